#pragma once
// Minting tokens, for `senna token` and the demo client's POST /demo/token: the claims senna's
// own verifier accepts (SPEC §2) and their compact JWS form. Pure like jwt.hpp: no I/O, no
// clock (the caller passes `now`).

#include "auth/signature.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace senna::auth {

/** Longest token lifetime issued: 365 days. */
inline constexpr std::int64_t max_ttl_seconds = 365LL * 24 * 3600;

/**
 * "30s", "15m", "1h", "7d" (a positive integer and one unit letter) -> seconds; nullopt for
 * anything else, zero, or more than max_ttl_seconds.
 */
std::optional<std::int64_t> parse_ttl(std::string_view text) noexcept;

/** What a minted token says. */
struct token_claims {
    std::string user_id;                 // "42" becomes the number 42; "alice" stays a string
    std::optional<std::string> username; // omitted when unset
    std::int64_t issued_at = 0;          // iat, unix seconds
    std::int64_t ttl_seconds = 3600;     // exp = iat + ttl
};

/**
 * The payload {user_id, username?, iat, exp}, or nullopt with `why` set (one line) when the
 * user id is not one the verifier accepts (1..2^53-1, or 1-64 characters of [A-Za-z0-9_-]),
 * the username is empty, longer than 64 bytes or holds control characters, or the ttl is
 * outside 1..max_ttl_seconds.
 */
std::optional<boost::json::object> make_claims(const token_claims& c, std::string& why);

/** The compact JWS {"alg","typ":"JWT"}.payload.signature; "" if signing failed. */
std::string sign_token(const signing_key& key, const boost::json::object& payload);

} // namespace senna::auth

#pragma once
// The REST edge of SPEC §2: find the token of a request and verify it, mapping every failure
// to its 401 answer. A request without a token is anonymous, which only some routes accept.

#include "api/client_error.hpp"
#include "auth/jwt.hpp"
#include "auth/token_cache.hpp"
#include "http/types.hpp"
#include "util/metrics.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace senna::realtime {
class moderation_view;
}

namespace senna::api {

struct auth_settings {
    const auth::verifier& verifier;
    std::string header; // SOCK_JWT_HEADER
    std::int64_t leeway_seconds = 30;
    auth::token_cache* cache = nullptr; // the shard's; none: every token is verified in full
    /** The shard's copy of the moderation state: bans and revocations refuse a verified token
        (null: none, e.g. the label probe). */
    const realtime::moderation_view* moderation = nullptr;
    /** Where refusals are counted (null: nowhere). */
    util::metrics::refusals* refusals = nullptr;
};

/** A verified identity that moderation refuses: banned (403 USER_BANNED on REST, CONNECT_ERROR
    USER_BANNED on sockets) or a revoked token (401 TOKEN_REVOKED). */
enum class moderated { no, banned, revoked };
moderated moderation_of(const auth_settings& settings, const auth::identity& who);

/** True when `user` is muted in `topic` now (sends there are refused: USER_MUTED). */
bool muted(const auth_settings& settings, std::string_view topic, std::string_view user);

/** Verifies `token` through the settings' cache when there is one. */
boost::system::result<auth::identity> verify_token(const auth_settings& settings,
                                                   std::string_view token, std::int64_t now_unix);

/** The token in `header` (trimmed), else in `Authorization: Bearer`; empty when none. */
std::string_view find_token(const http::request& req, std::string_view header);

/** No token: anonymous. A token: its identity, or the 401 response to send. */
struct auth_result {
    std::optional<auth::identity> user;
    std::optional<http::response> rejection;
};

auth_result authenticate(const http::request& req, const auth_settings& settings);

/** The client error of a verification error: incorrect_token (no valid user id) or
    invalid_token. */
client_error token_error(auth::error e) noexcept;

/** The 401 of SPEC §2 for a verification error. */
http::response token_error_response(auth::error e, unsigned version = 11);

/** 401 NOT_AUTHENTICATED, for routes that need a user. */
http::response not_authenticated_response(unsigned version = 11);

} // namespace senna::api

#pragma once
// JWT verification (RFC 7519 over JWS compact serialisation, RFC 7515) for SPEC §2: one
// pinned algorithm, signature, nbf/exp with leeway, and the `user_id` identity. Pure: no I/O,
// no clock (the caller passes `now`), no logging (tokens are credentials).

#include "auth/algorithm.hpp"
#include "auth/error.hpp"
#include "auth/signature.hpp"

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace senna::auth {

/** Longest token accepted, checked before any decoding. Real tokens are a few hundred bytes;
    8 KiB also fits an RSA-4096 signature beside a generous payload. */
inline constexpr std::size_t max_token_size = 8 * 1024;

/** Largest integer user id: 2^53 - 1, the largest a JavaScript client represents exactly. */
inline constexpr std::int64_t max_numeric_user_id = (std::int64_t{1} << 53) - 1;

/** Who a verified token speaks for. */
struct identity {
    std::string user_id;        // canonical text: "42" for numeric ids, else the string id
    bool numeric = false;       // true when the id is a positive integer
    boost::json::object claims; // the whole payload (later: username, role)
    std::optional<std::int64_t> expires_at; // exp, unix seconds (fractions dropped)
    std::optional<std::int64_t> issued_at;  // iat when it is a number, unix seconds
};

class verifier {
public:
    /**
     * For HS*: `key` is the secret bytes. For RS*, ES*, EdDSA: `key` is PEM text of a public
     * key: "PUBLIC KEY" (SubjectPublicKeyInfo), "RSA PUBLIC KEY" or an X.509 "CERTIFICATE".
     * Fails with error::invalid_key when the secret is empty, the PEM does not parse, or its
     * key does not fit the algorithm (RSA >= 2048 bits for RS*, EC P-256 for ES256, EC P-384
     * for ES384, Ed25519 for EdDSA).
     */
    static boost::system::result<verifier> create(algorithm alg, std::string_view key);

    /**
     * Verifies a compact JWS token and returns its identity. Checks, in this order, each
     * failure ending the check with the error named:
     *  1. structure (malformed): at most max_token_size bytes, exactly three strict base64url
     *     parts, the header a JSON object without "crit";
     *  2. "alg" equals the pinned algorithm's name exactly (algorithm_mismatch; so "none" and
     *     any algorithm-confusion token fail here);
     *  3. the payload is a JSON object (malformed);
     *  4. the signature, MACs compared in constant time (bad_signature; empty included);
     *  5. nbf, then exp, as npm jsonwebtoken 9 does: a present claim that is not a JSON number
     *     is malformed; not_before when nbf > now + leeway; expired when now >= exp + leeway;
     *  6. user_id (invalid_user_id): an integer 1..2^53-1 (an integral double counts), or a
     *     string of 1-64 characters from [A-Za-z0-9_-]; a string that is a canonical positive
     *     integer within 2^53-1 ("42", not "042") is numeric too.
     * A negative leeway counts as 0. Never throws (an allocation failure reports malformed).
     * Const and thread-safe: call it from many threads at once.
     */
    boost::system::result<identity> verify(std::string_view token, std::int64_t now_unix,
                                           std::int64_t leeway_seconds) const noexcept;

    algorithm alg() const noexcept { return key_.alg(); }

private:
    explicit verifier(signature_key key) noexcept : key_(std::move(key)) {}

    signature_key key_;
};

} // namespace senna::auth

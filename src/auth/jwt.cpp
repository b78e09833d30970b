#include "auth/jwt.hpp"

#include "auth/base64url.hpp"
#include "util/strings.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cmath>
#include <exception>
#include <limits>
#include <utility>

namespace senna::auth {

namespace json = boost::json;

namespace {

using verify_result = boost::system::result<identity>;

constexpr std::size_t max_user_id_length = 64;

verify_result fail(error e) {
    return make_error_code(e);
}

// Parses decoded JSON text that must be an object; nullopt for anything else.
std::optional<json::object> parse_object(std::string_view text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object())
        return std::nullopt;
    return std::move(v.as_object());
}

// A JSON double as JSON means it. Boost.JSON 1.81 reads a zero with a huge exponent
// ("0e400") as 0 * inf = NaN, which no comparison would ever call expired; it is 0, as
// JSON.parse (so jsonwebtoken) reads it. No other JSON number gives NaN.
double json_double(const json::value& v) noexcept {
    const double d = v.get_double();
    return std::isnan(d) ? 0.0 : d;
}

// A JSON number as long double: exact for every int64/uint64 (x86-64's 64-bit mantissa),
// so comparisons with `now + leeway` neither overflow nor round the way int64 sums could.
std::optional<long double> as_number(const json::value& v) noexcept {
    switch (v.kind()) {
    case json::kind::int64:
        return static_cast<long double>(v.get_int64());
    case json::kind::uint64:
        return static_cast<long double>(v.get_uint64());
    case json::kind::double_:
        return static_cast<long double>(json_double(v));
    default:
        return std::nullopt;
    }
}

// exp as whole unix seconds, clamped into int64 (a far-future or fractional exp is fine).
std::int64_t to_unix_seconds(const json::value& v) noexcept {
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    constexpr auto min = std::numeric_limits<std::int64_t>::min();
    if (v.is_int64())
        return v.get_int64();
    if (v.is_uint64())
        return max;
    const double d = std::floor(json_double(v));
    if (d >= 9.2e18)
        return max;
    if (d <= -9.2e18)
        return min;
    return static_cast<std::int64_t>(d);
}

bool user_id_char(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

// SPEC §2: the identity is `user_id`, a positive integer or a short token-safe string.
bool read_user_id(const json::object& claims, identity& out) {
    const json::value* v = claims.if_contains("user_id");
    if (!v)
        return false;
    if (v->is_int64()) {
        const std::int64_t n = v->get_int64();
        if (n < 1 || n > max_numeric_user_id)
            return false;
        out.user_id = std::to_string(n);
        out.numeric = true;
        return true;
    }
    if (v->is_double()) {
        // JSON has one number type; an issuer may write 42.0 or 4.2e1 for 42.
        const double d = v->get_double();
        if (!(d >= 1.0 && d <= static_cast<double>(max_numeric_user_id)) || d != std::floor(d))
            return false;
        out.user_id = std::to_string(static_cast<std::int64_t>(d));
        out.numeric = true;
        return true;
    }
    if (v->is_string()) {
        const std::string_view s = v->get_string();
        if (s.empty() || s.size() > max_user_id_length)
            return false;
        for (const char c : s)
            if (!user_id_char(c))
                return false;
        // "42" names the same user as 42; "042" and "0" stay plain strings.
        const auto n = util::parse_uint(s);
        out.numeric =
            n && s.front() != '0' && *n <= static_cast<std::uint64_t>(max_numeric_user_id);
        out.user_id = std::string(s);
        return true;
    }
    return false; // missing, uint64 beyond int64, bool, null, array, object
}

verify_result verify_token(const signature_key& key, std::string_view token, std::int64_t now,
                           std::int64_t leeway) {
    // 1. Structure.
    if (token.empty() || token.size() > max_token_size)
        return fail(error::malformed);
    const std::size_t dot1 = token.find('.');
    if (dot1 == std::string_view::npos)
        return fail(error::malformed);
    const std::size_t dot2 = token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
        return fail(error::malformed);
    const auto header_text = base64url_decode(token.substr(0, dot1));
    const auto payload_text = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    const auto signature = base64url_decode(token.substr(dot2 + 1));
    if (!header_text || !payload_text || !signature)
        return fail(error::malformed);
    const auto header = parse_object(*header_text);
    if (!header)
        return fail(error::malformed);

    // 2. The pinned algorithm, compared as exact text before any key is touched: this is
    // what defeats "none" and RS/HS confusion.
    const json::value* alg = header->if_contains("alg");
    if (!alg || !alg->is_string() || alg->get_string() != algorithm_name(key.alg()))
        return fail(error::algorithm_mismatch);
    // RFC 7515 §4.1.11: extensions listed in "crit" must be understood; we implement none.
    if (header->contains("crit"))
        return fail(error::malformed);

    // 3. Payload.
    auto claims = parse_object(*payload_text);
    if (!claims)
        return fail(error::malformed);

    // 4. Signature over the ASCII "header.payload" exactly as received.
    if (!key.verify(token.substr(0, dot2), *signature))
        return fail(error::bad_signature);

    // 5. Time claims, with jsonwebtoken 9's comparisons (verify.js): nbf first, then exp.
    const long double now_ld = static_cast<long double>(now);
    const long double leeway_ld = static_cast<long double>(leeway < 0 ? 0 : leeway);
    if (const json::value* nbf = claims->if_contains("nbf")) {
        const auto n = as_number(*nbf);
        if (!n)
            return fail(error::malformed);
        if (*n > now_ld + leeway_ld)
            return fail(error::not_before);
    }
    identity id;
    if (const json::value* exp = claims->if_contains("exp")) {
        const auto e = as_number(*exp);
        if (!e)
            return fail(error::malformed);
        if (now_ld >= *e + leeway_ld)
            return fail(error::expired);
        id.expires_at = to_unix_seconds(*exp);
    }

    // iat is not checked (jsonwebtoken does not either), only kept: a moderator's revocation
    // refuses a user's tokens issued before a time (api/authenticate.hpp). Not a number: absent.
    if (const json::value* iat = claims->if_contains("iat"); iat && as_number(*iat))
        id.issued_at = to_unix_seconds(*iat);

    // 6. Identity.
    if (!read_user_id(*claims, id))
        return fail(error::invalid_user_id);
    id.claims = std::move(*claims);
    return id;
}

} // namespace

boost::system::result<verifier> verifier::create(algorithm alg, std::string_view key) {
    auto k = signature_key::create(alg, key);
    if (!k)
        return k.error();
    return verifier(std::move(*k));
}

boost::system::result<identity> verifier::verify(std::string_view token, std::int64_t now_unix,
                                                 std::int64_t leeway_seconds) const noexcept {
    try {
        return verify_token(key_, token, now_unix, leeway_seconds);
    } catch (const std::exception&) {
        // Only allocation can throw here (parsing uses error codes); a token we could not
        // afford to check is refused, never let through.
        return make_error_code(error::malformed);
    }
}

} // namespace senna::auth

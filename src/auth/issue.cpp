#include "auth/issue.hpp"

#include "auth/base64url.hpp"
#include "auth/jwt.hpp"
#include "util/strings.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace senna::auth {

namespace json = boost::json;

std::optional<std::int64_t> parse_ttl(std::string_view text) noexcept {
    if (text.size() < 2)
        return std::nullopt;
    std::int64_t unit = 0;
    switch (text.back()) {
    case 's':
        unit = 1;
        break;
    case 'm':
        unit = 60;
        break;
    case 'h':
        unit = 3600;
        break;
    case 'd':
        unit = 24 * 3600;
        break;
    default:
        return std::nullopt;
    }
    const auto n = util::parse_uint(text.substr(0, text.size() - 1));
    if (!n || *n == 0 || *n > static_cast<std::uint64_t>(max_ttl_seconds / unit))
        return std::nullopt;
    return static_cast<std::int64_t>(*n) * unit;
}

std::optional<json::object> make_claims(const token_claims& c, std::string& why) {
    json::object o;
    const std::string_view id = c.user_id;
    const auto n = util::parse_uint(id);
    if (n && !id.empty() && id.front() != '0' &&
        *n <= static_cast<std::uint64_t>(max_numeric_user_id)) {
        o["user_id"] = static_cast<std::int64_t>(*n);
    } else {
        if (!is_user_id_text(id)) {
            why = "user id '" + c.user_id +
                  "' must be a positive integer up to 2^53-1 or 1-64 characters of "
                  "A-Z a-z 0-9 _ -";
            return std::nullopt;
        }
        o["user_id"] = c.user_id;
    }
    if (c.username) {
        bool ok = !c.username->empty() && c.username->size() <= 64;
        for (const char ch : *c.username)
            ok = ok && static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f;
        if (!ok) {
            why = "username must be 1-64 bytes without control characters";
            return std::nullopt;
        }
        o["username"] = *c.username;
    }
    if (c.ttl_seconds < 1 || c.ttl_seconds > max_ttl_seconds) {
        why = "ttl must be between 1 second and 365 days";
        return std::nullopt;
    }
    o["iat"] = c.issued_at;
    o["exp"] = c.issued_at + c.ttl_seconds;
    return o;
}

std::string sign_token(const signing_key& key, const json::object& payload) {
    json::object header;
    header["alg"] = std::string(algorithm_name(key.alg()));
    header["typ"] = "JWT";
    std::string input = base64url_encode(json::serialize(header)) + "." +
                        base64url_encode(json::serialize(payload));
    const std::string signature = key.sign(input);
    if (signature.empty())
        return {};
    return input + "." + base64url_encode(signature);
}

} // namespace senna::auth

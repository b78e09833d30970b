#include "chat/id.hpp"

#include "util/strings.hpp"

#include <boost/json/value.hpp>

#include <cmath>

namespace senna::chat {

namespace {
constexpr std::uint64_t max_safe_integer = (1ull << 53) - 1;

bool id_chars(std::string_view s) {
    if (s.empty() || s.size() > 64)
        return false;
    for (char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    return true;
}
} // namespace

std::optional<id> id::parse(std::string_view text) {
    if (!id_chars(text))
        return std::nullopt;
    if (text[0] != '0') {
        if (auto n = util::parse_uint(text); n && *n <= max_safe_integer)
            return id{std::string(text), true};
    }
    return id{std::string(text), false};
}

std::optional<id> id::from_json(const boost::json::value& v) {
    if (v.is_int64()) {
        auto n = v.get_int64();
        if (n > 0 && static_cast<std::uint64_t>(n) <= max_safe_integer)
            return id{std::to_string(n), true};
        return std::nullopt;
    }
    if (v.is_uint64()) {
        auto n = v.get_uint64();
        if (n > 0 && n <= max_safe_integer)
            return id{std::to_string(n), true};
        return std::nullopt;
    }
    if (v.is_double()) {
        double d = v.get_double();
        if (d >= 1 && d <= static_cast<double>(max_safe_integer) && std::floor(d) == d)
            return id{std::to_string(static_cast<std::uint64_t>(d)), true};
        return std::nullopt;
    }
    if (v.is_string())
        return parse(v.get_string());
    return std::nullopt;
}

boost::json::value id::to_json() const {
    if (numeric)
        return boost::json::value(static_cast<std::int64_t>(*util::parse_uint(text)));
    return boost::json::value(text);
}

void id::append_json(std::string& out) const {
    if (numeric)
        out += text; // canonical digits: what serialising the integer writes
    else
        util::append_json_string(text, out);
}

bool comes_first(const id& a, const id& b) {
    if (a.numeric && b.numeric) // canonical digits, no leading zero: the shorter is smaller
        return a.text.size() != b.text.size() ? a.text.size() < b.text.size() : a.text < b.text;
    return a.text < b.text; // std::string compares bytes as unsigned char
}

} // namespace senna::chat

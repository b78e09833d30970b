#include "redis/reply.hpp"

#include <charconv>

namespace senna::redis {

std::optional<long long> reply::as_integer() const noexcept {
    if (type == kind::integer)
        return integer;
    if (type != kind::string)
        return std::nullopt;
    long long v = 0;
    const char* end = str.data() + str.size();
    auto [p, ec] = std::from_chars(str.data(), end, v);
    if (ec != std::errc() || p != end || str.empty())
        return std::nullopt;
    return v;
}

bool reply::is_error_code(std::string_view code) const noexcept {
    if (type != kind::error)
        return false;
    std::string_view s(str);
    return s.substr(0, code.size()) == code && (s.size() == code.size() || s[code.size()] == ' ');
}

namespace {

void append_debug(std::string& out, const reply& r) {
    switch (r.type) {
    case reply::kind::nil:
        out += "(nil)";
        return;
    case reply::kind::status:
        out += '+';
        out += r.str;
        return;
    case reply::kind::error:
        out += '-';
        out += r.str;
        return;
    case reply::kind::integer:
        out += ':';
        out += std::to_string(r.integer);
        return;
    case reply::kind::string:
        out += '"';
        out += r.str;
        out += '"';
        return;
    case reply::kind::array:
        out += '[';
        for (std::size_t i = 0; i < r.elements.size(); ++i) {
            if (i != 0)
                out += ", ";
            append_debug(out, r.elements[i]);
        }
        out += ']';
        return;
    }
}

} // namespace

std::string to_debug_string(const reply& r) {
    std::string out;
    append_debug(out, r);
    return out;
}

} // namespace senna::redis

#include "platform/ids.hpp"

#include "util/strings.hpp"

#include <cmath>

namespace senna::platform {

bool is_numeric_id(std::string_view id) noexcept {
    if (id.empty() || id.front() == '0' || id.size() > 16)
        return false;
    const auto n = util::parse_uint(id);
    return n && *n >= 1 && *n <= max_numeric_id;
}

std::optional<std::string> canonical_id(const boost::json::value& v) {
    if (v.is_int64()) {
        const std::int64_t n = v.get_int64();
        if (n >= 1 && static_cast<std::uint64_t>(n) <= max_numeric_id)
            return std::to_string(n);
        return std::nullopt;
    }
    if (v.is_uint64()) {
        const std::uint64_t n = v.get_uint64();
        if (n >= 1 && n <= max_numeric_id)
            return std::to_string(n);
        return std::nullopt;
    }
    if (v.is_double()) {
        const double d = v.get_double();
        if (d >= 1.0 && d <= static_cast<double>(max_numeric_id) && std::floor(d) == d)
            return std::to_string(static_cast<std::uint64_t>(d));
        return std::nullopt;
    }
    if (v.is_string() && !v.get_string().empty())
        return std::string(v.get_string());
    return std::nullopt;
}

boost::json::value id_value(std::string_view id) {
    if (is_numeric_id(id))
        return static_cast<std::int64_t>(*util::parse_uint(id));
    return boost::json::string(id);
}

boost::json::object fallback_object(std::string_view id) {
    boost::json::object o;
    o["id"] = id_value(id);
    return o;
}

} // namespace senna::platform

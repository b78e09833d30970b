#include "realtime/msgpack_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <unordered_map>

namespace senna::realtime::msgpack {

bool is_array_index(std::string_view key) noexcept {
    if (key.empty() || key.size() > 10 || (key.size() > 1 && key[0] == '0'))
        return false;
    std::uint64_t n = 0;
    for (const char c : key) {
        if (c < '0' || c > '9')
            return false;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n < 0xffff'ffffULL;
}

namespace {

std::uint64_t index_of(std::string_view key) noexcept {
    std::uint64_t n = 0;
    std::from_chars(key.data(), key.data() + key.size(), n);
    return n;
}

/** The positions of `keys` in JavaScript's own-property order, the first of each repeated key
    only: array indices ascending, then the rest in insertion order. */
template <class Key> std::vector<std::size_t> js_order(std::size_t n, Key key) {
    std::vector<std::size_t> order;
    order.reserve(n);
    bool any_index = false;
    for (std::size_t i = 0; i < n; ++i)
        any_index = any_index || is_array_index(key(i));
    if (!any_index) {
        for (std::size_t i = 0; i < n; ++i)
            order.push_back(i);
        return order;
    }
    for (std::size_t i = 0; i < n; ++i)
        if (is_array_index(key(i)))
            order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return index_of(key(a)) < index_of(key(b));
    });
    for (std::size_t i = 0; i < n; ++i)
        if (!is_array_index(key(i)))
            order.push_back(i);
    return order;
}

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/** Date#toJSON: Date.prototype.toISOString, or null for an invalid date. */
boost::json::value date_json(const timestamp& t) {
    // new Date(s * 1e3 + ns / 1e6) in doubles, then TimeClip.
    const double time =
        static_cast<double>(t.seconds) * 1e3 + static_cast<double>(t.nanoseconds) / 1e6;
    if (!std::isfinite(time) || std::fabs(time) > 8.64e15)
        return nullptr;
    const auto ms = static_cast<std::int64_t>(std::trunc(time));
    const std::int64_t day = floor_div(ms, 86'400'000);
    const std::int64_t in_day = ms - day * 86'400'000;
    // civil_from_days (H. Hinnant)
    const std::int64_t z = day + 719'468;
    const std::int64_t era = floor_div(z, 146'097);
    const std::int64_t doe = z - era * 146'097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    char buf[48];
    const char* year_format = y >= 0 && y <= 9999 ? "%04lld" : (y < 0 ? "-%06lld" : "+%06lld");
    int len = std::snprintf(buf, sizeof buf, year_format, static_cast<long long>(y < 0 ? -y : y));
    len += std::snprintf(buf + len, sizeof buf - static_cast<std::size_t>(len),
                         "-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ", static_cast<long long>(m),
                         static_cast<long long>(d), static_cast<long long>(in_day / 3'600'000),
                         static_cast<long long>(in_day / 60'000 % 60),
                         static_cast<long long>(in_day / 1000 % 60),
                         static_cast<long long>(in_day % 1000));
    return boost::json::string(std::string_view(buf, static_cast<std::size_t>(len)));
}

} // namespace

boost::json::value to_json(const value& v, std::vector<std::string>& attachments,
                           const binary_slots& slots) {
    constexpr std::uint64_t max_safe = (std::uint64_t{1} << 53) - 1; // Number.MAX_SAFE_INTEGER
    std::uint64_t u = 0;
    std::int64_t i = 0;
    switch (v.type()) {
    case kind::nil:
        return nullptr;
    case kind::boolean:
        return *v.if_bool();
    case kind::integer:
        // notepack reads 64-bit integers into a JavaScript number: beyond 2^53 that is the
        // nearest double (hi * 2^32 + lo rounds once), and JSON.stringify writes that.
        if (v.get_uint64(u))
            return u <= max_safe ? boost::json::value(u)
                                 : boost::json::value(static_cast<double>(u));
        v.get_int64(i);
        return i >= -static_cast<std::int64_t>(max_safe)
                   ? boost::json::value(i)
                   : boost::json::value(static_cast<double>(i));
    case kind::float64:
        return *v.if_double();
    case kind::string:
        return boost::json::string(*v.if_string());
    case kind::binary:
        attachments.push_back(v.if_binary()->bytes);
        return slots.stand_in(attachments.size() - 1);
    case kind::array_: {
        boost::json::array a;
        a.reserve(v.if_array()->size());
        for (const auto& item : *v.if_array())
            a.push_back(to_json(item, attachments, slots));
        return a;
    }
    case kind::map_: {
        const auto& m = *v.if_map();
        boost::json::object o;
        o.reserve(m.size());
        // Placeholders are numbered in JavaScript's order, so walk in that order; a repeated
        // key keeps its first place and takes its last value (the earlier values are skipped,
        // and so are their attachments, as JavaScript drops them).
        std::unordered_map<std::string_view, std::size_t> last;
        last.reserve(m.size());
        for (std::size_t k = 0; k < m.size(); ++k)
            last.insert_or_assign(std::string_view(m[k].first), k);
        for (const std::size_t at :
             js_order(m.size(), [&](std::size_t k) -> std::string_view { return m[k].first; })) {
            const auto& key = m[at].first;
            if (!o.contains(key))
                o.emplace(key, to_json(m[last[key]].second, attachments, slots));
        }
        return o;
    }
    case kind::timestamp:
        return date_json(*v.if_timestamp());
    }
    return nullptr;
}

value from_json(const boost::json::value& v, std::span<const std::string> attachments,
                const binary_slots& slots) {
    switch (v.kind()) {
    case boost::json::kind::null:
        return value();
    case boost::json::kind::bool_:
        return value(v.get_bool());
    case boost::json::kind::int64:
        return value(v.get_int64());
    case boost::json::kind::uint64:
        return value(v.get_uint64());
    case boost::json::kind::double_:
        return value(v.get_double());
    case boost::json::kind::string:
        return value(std::string_view(v.get_string()));
    case boost::json::kind::array: {
        array a;
        a.reserve(v.get_array().size());
        for (const auto& item : v.get_array())
            a.push_back(from_json(item, attachments, slots));
        return value(std::move(a));
    }
    case boost::json::kind::object: {
        if (!attachments.empty())
            if (const auto index = slots.index_of(v, attachments.size()))
                return value(binary{attachments[*index]});
        const auto& o = v.get_object();
        map m;
        m.reserve(o.size());
        const auto* begin = o.begin();
        for (const std::size_t at :
             js_order(o.size(), [&](std::size_t k) -> std::string_view { return begin[k].key(); }))
            m.emplace_back(std::string(begin[at].key()),
                           from_json(begin[at].value(), attachments, slots));
        return value(std::move(m));
    }
    }
    return value();
}

void encode_json(const boost::json::value& v, std::span<const std::string> attachments,
                 const binary_slots& slots, std::string& out) {
    switch (v.kind()) {
    case boost::json::kind::null:
        put_nil(out);
        return;
    case boost::json::kind::bool_:
        put_bool(v.get_bool(), out);
        return;
    case boost::json::kind::int64:
        put_signed(v.get_int64(), out);
        return;
    case boost::json::kind::uint64:
        put_unsigned(v.get_uint64(), out);
        return;
    case boost::json::kind::double_:
        put_number(v.get_double(), out);
        return;
    case boost::json::kind::string:
        put_str(v.get_string(), out);
        return;
    case boost::json::kind::array:
        put_array_header(v.get_array().size(), out);
        for (const auto& item : v.get_array())
            encode_json(item, attachments, slots, out);
        return;
    case boost::json::kind::object:
        if (!attachments.empty())
            if (const auto index = slots.index_of(v, attachments.size())) {
                put_bin(attachments[*index], out);
                return;
            }
        encode_json(v.get_object(), attachments, slots, out);
        return;
    }
}

void encode_json(const boost::json::object& o, std::span<const std::string> attachments,
                 const binary_slots& slots, std::string& out) {
    put_map_header(o.size(), out);
    bool any_index = false;
    for (const auto& kv : o)
        any_index = any_index || is_array_index(kv.key());
    if (!any_index) { // the common case: insertion order, no index vector
        for (const auto& kv : o) {
            put_str(kv.key(), out);
            encode_json(kv.value(), attachments, slots, out);
        }
        return;
    }
    const auto* begin = o.begin();
    for (const std::size_t at :
         js_order(o.size(), [&](std::size_t k) -> std::string_view { return begin[k].key(); })) {
        put_str(begin[at].key(), out);
        encode_json(begin[at].value(), attachments, slots, out);
    }
}

namespace {
// Without attachments nothing is looked up: no JSON stands for a binary.
const binary_slots no_binary{
    [](std::size_t) -> boost::json::value { return nullptr; },
    [](const boost::json::value&, std::size_t) -> std::optional<std::size_t> {
        return std::nullopt;
    },
};
} // namespace

value from_json(const boost::json::value& v) {
    return from_json(v, {}, no_binary);
}

void encode_json(const boost::json::value& v, std::string& out) {
    encode_json(v, {}, no_binary, out);
}

void encode_json(const boost::json::object& o, std::string& out) {
    encode_json(o, {}, no_binary, out);
}

} // namespace senna::realtime::msgpack

#include "realtime/msgpack.hpp"

#include "util/error.hpp"
#include "util/strings.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace senna::realtime::msgpack {

std::string_view describe(error e) noexcept {
    switch (e) {
    case error::truncated:
        return "msgpack input ends inside a value";
    case error::trailing_bytes:
        return "bytes after the msgpack value";
    case error::invalid_type:
        return "invalid msgpack type byte or extension";
    case error::too_deep:
        return "msgpack nested too deeply";
    case error::too_large:
        return "msgpack input too large";
    case error::too_many_elements:
        return "too many msgpack elements";
    case error::non_string_key:
        return "msgpack map key is not a string";
    case error::invalid_broadcast:
        return "not a redis-adapter broadcast";
    }
    return "unknown msgpack error";
}

const boost::system::error_category& error_category() noexcept {
    static const util::enum_error_category<error> category("senna.msgpack");
    return category;
}

// ---------------------------------------------------------------------------------------------
// value

kind value::type() const noexcept {
    switch (v_.index()) {
    case 0:
        return kind::nil;
    case 1:
        return kind::boolean;
    case 2:
    case 3:
        return kind::integer;
    case 4:
        return kind::float64;
    case 5:
        return kind::string;
    case 6:
        return kind::binary;
    case 7:
        return kind::array_;
    case 8:
        return kind::map_;
    default:
        return kind::timestamp;
    }
}

bool value::get_int64(std::int64_t& out) const noexcept {
    if (const auto* i = std::get_if<std::int64_t>(&v_)) {
        out = *i;
        return true;
    }
    if (const auto* u = std::get_if<std::uint64_t>(&v_);
        u && *u <= static_cast<std::uint64_t>(INT64_MAX)) {
        out = static_cast<std::int64_t>(*u);
        return true;
    }
    return false;
}

bool value::get_uint64(std::uint64_t& out) const noexcept {
    if (const auto* u = std::get_if<std::uint64_t>(&v_)) {
        out = *u;
        return true;
    }
    return false;
}

const value* value::find(std::string_view key) const noexcept {
    const value* found = nullptr;
    if (const auto* m = if_map())
        for (const auto& [k, v] : *m)
            if (k == key)
                found = &v;
    return found;
}

bool operator==(const value& a, const value& b) noexcept {
    if (a.v_.index() != b.v_.index())
        return false;
    if (const auto* d = std::get_if<double>(&a.v_))
        return std::bit_cast<std::uint64_t>(*d) ==
               std::bit_cast<std::uint64_t>(std::get<double>(b.v_));
    return a.v_ == b.v_; // recursive: array and map compare elements with this operator
}

// ---------------------------------------------------------------------------------------------
// decode

namespace {

/** Node's Buffer#toString('utf8') (the WHATWG decoder): each maximal ill-formed subpart
    becomes U+FFFD. */
std::string sanitize_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        std::size_t need = 0;
        unsigned char lo = 0x80, hi = 0xbf;
        if (c < 0x80) {
            out += static_cast<char>(c);
            ++i;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            if (c == 0xe0)
                lo = 0xa0;
            if (c == 0xed)
                hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            if (c == 0xf0)
                lo = 0x90;
            if (c == 0xf4)
                hi = 0x8f;
        } else {
            out += "\xef\xbf\xbd";
            ++i;
            continue;
        }
        std::size_t j = i + 1;
        bool ok = true;
        for (std::size_t k = 0; k < need; ++k, ++j) {
            if (j >= n || p[j] < lo || p[j] > hi) {
                ok = false;
                break;
            }
            lo = 0x80;
            hi = 0xbf;
        }
        if (ok)
            out.append(s.substr(i, j - i));
        else
            out += "\xef\xbf\xbd";
        i = j; // on failure: the bytes consumed so far are the maximal subpart
    }
    return out;
}

class reader {
public:
    reader(std::string_view bytes, const limits& lim) : in_(bytes), lim_(lim) {}

    boost::system::result<value> top() {
        value v;
        if (const auto e = parse(v, 0); e != error{})
            return make_error_code(e);
        if (pos_ != in_.size())
            return make_error_code(error::trailing_bytes);
        return v;
    }

private:
    std::string_view in_;
    const limits& lim_;
    std::size_t pos_ = 0;
    std::size_t elements_ = 0;

    std::size_t left() const noexcept { return in_.size() - pos_; }

    template <class U> bool be(U& out) noexcept {
        if (left() < sizeof(U))
            return false;
        U v = 0;
        for (std::size_t i = 0; i < sizeof(U); ++i)
            v = static_cast<U>((v << 8) | static_cast<unsigned char>(in_[pos_ + i]));
        out = v;
        pos_ += sizeof(U);
        return true;
    }

    error take(std::size_t n, std::string_view& out) noexcept {
        if (left() < n)
            return error::truncated;
        out = in_.substr(pos_, n);
        pos_ += n;
        return {};
    }

    error str(std::size_t n, value& v) {
        std::string_view s;
        if (const auto e = take(n, s); e != error{})
            return e;
        if (util::valid_utf8(s))
            v = value(std::string(s));
        else
            v = value(sanitize_utf8(s));
        return {};
    }

    error bin(std::size_t n, value& v) {
        std::string_view s;
        if (const auto e = take(n, s); e != error{})
            return e;
        v = value(binary{std::string(s)});
        return {};
    }

    error count(std::size_t n, std::size_t min_bytes_each) noexcept {
        if (n > lim_.max_elements - elements_)
            return error::too_many_elements;
        if (n > left() / min_bytes_each)
            return error::truncated;
        elements_ += n;
        return {};
    }

    error arr(std::size_t n, value& v, std::size_t depth) {
        if (depth >= lim_.max_depth)
            return error::too_deep;
        if (const auto e = count(n, 1); e != error{})
            return e;
        array a(n);
        for (auto& item : a)
            if (const auto e = parse(item, depth + 1); e != error{})
                return e;
        v = value(std::move(a));
        return {};
    }

    error mp(std::size_t n, value& v, std::size_t depth) {
        if (depth >= lim_.max_depth)
            return error::too_deep;
        if (const auto e = count(n, 2); e != error{})
            return e;
        map m(n);
        for (auto& [k, item] : m) {
            value key;
            if (const auto e = parse(key, depth + 1); e != error{})
                return e;
            auto* s = key.if_string();
            if (!s)
                return error::non_string_key;
            k = std::move(*s);
            if (const auto e = parse(item, depth + 1); e != error{})
                return e;
        }
        v = value(std::move(m));
        return {};
    }

    /** An extension of `n` data bytes and type `t` (already consumed). */
    error ext(std::size_t n, std::int8_t t, std::uint8_t prefix, value& v, std::size_t depth) {
        if (prefix == 0xd4 && t == 0) { // notepack 2.x undefined
            std::string_view ignored;
            v = value();
            return take(1, ignored);
        }
        if (t == 0 && (prefix == 0xc7 || prefix == 0xc8 || prefix == 0xc9)) // 2.x ArrayBuffer
            return bin(n, v);
        if (t == 0 && prefix == 0xd7) { // 2.x date: int64 milliseconds
            std::uint64_t raw = 0;
            if (!be(raw))
                return error::truncated;
            const auto ms = static_cast<std::int64_t>(raw);
            std::int64_t s = ms / 1000, r = ms % 1000;
            if (r < 0) {
                --s;
                r += 1000;
            }
            v = value(timestamp{s, static_cast<std::uint32_t>(r * 1'000'000)});
            return {};
        }
        if (t == -1 && prefix == 0xd6) {
            std::uint32_t s = 0;
            if (!be(s))
                return error::truncated;
            v = value(timestamp{s, 0});
            return {};
        }
        if (t == -1 && prefix == 0xd7) {
            std::uint64_t raw = 0;
            if (!be(raw))
                return error::truncated;
            v = value(timestamp{static_cast<std::int64_t>(raw & 0x3'ffff'ffffULL),
                                static_cast<std::uint32_t>(raw >> 34)});
            return {};
        }
        if (t == -1 && prefix == 0xc7) {
            if (n != 12) // notepack reads 12 bytes whatever the length says
                return error::invalid_type;
            std::uint32_t ns = 0;
            std::uint64_t s = 0;
            if (!be(ns) || !be(s))
                return error::truncated;
            v = value(timestamp{static_cast<std::int64_t>(s), ns});
            return {};
        }
        // Any other extension: notepack returns [type, Buffer], an array like any other.
        if (depth >= lim_.max_depth)
            return error::too_deep;
        if (lim_.max_elements - elements_ < 2)
            return error::too_many_elements;
        elements_ += 2;
        value data;
        if (const auto e = bin(n, data); e != error{})
            return e;
        v = value(array{value(static_cast<int>(t)), std::move(data)});
        return {};
    }

    error parse(value& v, std::size_t depth) {
        std::uint8_t p = 0;
        if (!be(p))
            return error::truncated;
        if (p < 0x80) {
            v = value(static_cast<std::uint64_t>(p));
            return {};
        }
        if (p < 0x90)
            return mp(p & 0x0f, v, depth);
        if (p < 0xa0)
            return arr(p & 0x0f, v, depth);
        if (p < 0xc0)
            return str(p & 0x1f, v);
        if (p >= 0xe0) {
            v = value(static_cast<std::int64_t>(static_cast<std::int8_t>(p)));
            return {};
        }
        std::uint8_t u8 = 0;
        std::uint16_t u16 = 0;
        std::uint32_t u32 = 0;
        std::uint64_t u64 = 0;
        std::uint8_t type = 0;
        switch (p) {
        case 0xc0:
            v = value();
            return {};
        case 0xc2:
            v = value(false);
            return {};
        case 0xc3:
            v = value(true);
            return {};
        case 0xc4:
            return be(u8) ? bin(u8, v) : error::truncated;
        case 0xc5:
            return be(u16) ? bin(u16, v) : error::truncated;
        case 0xc6:
            return be(u32) ? bin(u32, v) : error::truncated;
        case 0xc7:
            return be(u8) && be(type) ? ext(u8, static_cast<std::int8_t>(type), p, v, depth)
                                      : error::truncated;
        case 0xc8:
            return be(u16) && be(type) ? ext(u16, static_cast<std::int8_t>(type), p, v, depth)
                                       : error::truncated;
        case 0xc9:
            return be(u32) && be(type) ? ext(u32, static_cast<std::int8_t>(type), p, v, depth)
                                       : error::truncated;
        case 0xca:
            if (!be(u32))
                return error::truncated;
            v = value(static_cast<double>(std::bit_cast<float>(u32)));
            return {};
        case 0xcb:
            if (!be(u64))
                return error::truncated;
            v = value(std::bit_cast<double>(u64));
            return {};
        case 0xcc:
            return be(u8) ? (v = value(u8), error{}) : error::truncated;
        case 0xcd:
            return be(u16) ? (v = value(u16), error{}) : error::truncated;
        case 0xce:
            return be(u32) ? (v = value(u32), error{}) : error::truncated;
        case 0xcf:
            return be(u64) ? (v = value(u64), error{}) : error::truncated;
        case 0xd0:
            return be(u8) ? (v = value(static_cast<std::int8_t>(u8)), error{}) : error::truncated;
        case 0xd1:
            return be(u16) ? (v = value(static_cast<std::int16_t>(u16)), error{})
                           : error::truncated;
        case 0xd2:
            return be(u32) ? (v = value(static_cast<std::int32_t>(u32)), error{})
                           : error::truncated;
        case 0xd3:
            return be(u64) ? (v = value(static_cast<std::int64_t>(u64)), error{})
                           : error::truncated;
        case 0xd4:
        case 0xd5:
        case 0xd6:
        case 0xd7:
        case 0xd8:
            return be(type) ? ext(std::size_t{1} << (p - 0xd4), static_cast<std::int8_t>(type), p,
                                  v, depth)
                            : error::truncated;
        case 0xd9:
            return be(u8) ? str(u8, v) : error::truncated;
        case 0xda:
            return be(u16) ? str(u16, v) : error::truncated;
        case 0xdb:
            return be(u32) ? str(u32, v) : error::truncated;
        case 0xdc:
            return be(u16) ? arr(u16, v, depth) : error::truncated;
        case 0xdd:
            return be(u32) ? arr(u32, v, depth) : error::truncated;
        case 0xde:
            return be(u16) ? mp(u16, v, depth) : error::truncated;
        case 0xdf:
            return be(u32) ? mp(u32, v, depth) : error::truncated;
        default: // 0xc1
            return error::invalid_type;
        }
    }
};

} // namespace

boost::system::result<value> decode(std::string_view bytes, const limits& lim) {
    if (bytes.size() > lim.max_size)
        return make_error_code(error::too_large);
    return reader(bytes, lim).top();
}

// ---------------------------------------------------------------------------------------------
// encode

namespace {

void put_be(std::uint64_t v, int bytes, std::string& out) {
    char buf[8];
    for (int i = 0; i < bytes; ++i)
        buf[i] = static_cast<char>((v >> (8 * (bytes - 1 - i))) & 0xff);
    out.append(buf, static_cast<std::size_t>(bytes));
}

void put_header(std::uint8_t prefix, std::uint64_t v, int bytes, std::string& out) {
    out += static_cast<char>(prefix);
    put_be(v, bytes, out);
}

void put_uint(std::uint64_t u, std::string& out) {
    if (u < 0x80)
        out += static_cast<char>(u);
    else if (u < 0x100)
        put_header(0xcc, u, 1, out);
    else if (u < 0x10000)
        put_header(0xcd, u, 2, out);
    else if (u < 0x100000000)
        put_header(0xce, u, 4, out);
    else
        put_header(0xcf, u, 8, out);
}

void put_int(std::int64_t i, std::string& out) { // i < 0
    const auto bits = static_cast<std::uint64_t>(i);
    if (i >= -0x20)
        out += static_cast<char>(bits & 0xff);
    else if (i >= -0x80)
        put_header(0xd0, bits, 1, out);
    else if (i >= -0x8000)
        put_header(0xd1, bits, 2, out);
    else if (i >= -0x80000000LL)
        put_header(0xd2, bits, 4, out);
    else
        put_header(0xd3, bits, 8, out);
}

void put_double(double d, std::string& out) {
    // Math.floor(d) === d: an integer to notepack (also -0, which is >= 0: fixint 0).
    if (std::isfinite(d) && std::trunc(d) == d && d >= -0x1p63 && d < 0x1p64) {
        if (d >= 0)
            put_uint(static_cast<std::uint64_t>(d), out);
        else
            put_int(static_cast<std::int64_t>(d), out);
        return;
    }
    if (std::isnan(d))
        d = std::numeric_limits<double>::quiet_NaN(); // Buffer#writeDoubleBE's NaN: 7ff8...
    put_header(0xcb, std::bit_cast<std::uint64_t>(d), 8, out);
}

void put_sized(std::size_t n, std::uint8_t fix, std::size_t fix_limit, std::uint8_t first,
               bool has8, std::string& out) {
    if (fix_limit != 0 && n < fix_limit)
        out += static_cast<char>(fix | n);
    else if (has8 && n < 0x100)
        put_header(first, n, 1, out);
    else if (n < 0x10000)
        put_header(static_cast<std::uint8_t>(first + (has8 ? 1 : 0)), n, 2, out);
    else
        put_header(static_cast<std::uint8_t>(first + (has8 ? 2 : 1)), n, 4, out);
}

void put_string(std::string_view s, std::string& out) {
    put_sized(s.size(), 0xa0, 0x20, 0xd9, true, out);
    out += s;
}

void put_timestamp(const timestamp& t, std::string& out) {
    const auto s = t.seconds;
    const auto ns = t.nanoseconds;
    if (s >= 0 && s <= 0x3'ffff'ffffLL && ns < (1u << 30)) {
        if (ns == 0 && s <= 0xffff'ffffLL) {
            out += "\xd6\xff";
            put_be(static_cast<std::uint64_t>(s), 4, out);
        } else {
            out += "\xd7\xff";
            put_be((std::uint64_t{ns} << 34) | static_cast<std::uint64_t>(s), 8, out);
        }
    } else {
        out += "\xc7\x0c\xff";
        put_be(ns, 4, out);
        put_be(static_cast<std::uint64_t>(s), 8, out);
    }
}

} // namespace

void encode(const value& v, std::string& out) {
    std::uint64_t u = 0;
    std::int64_t i = 0;
    switch (v.type()) {
    case kind::nil:
        out += '\xc0';
        return;
    case kind::boolean:
        out += *v.if_bool() ? '\xc3' : '\xc2';
        return;
    case kind::integer:
        if (v.get_uint64(u))
            put_uint(u, out);
        else if (v.get_int64(i))
            put_int(i, out);
        return;
    case kind::float64:
        put_double(*v.if_double(), out);
        return;
    case kind::string:
        put_string(*v.if_string(), out);
        return;
    case kind::binary: {
        const auto& b = v.if_binary()->bytes;
        put_sized(b.size(), 0, 0, 0xc4, true, out);
        out += b;
        return;
    }
    case kind::array_: {
        const auto& a = *v.if_array();
        put_sized(a.size(), 0x90, 0x10, 0xdc, false, out);
        for (const auto& item : a)
            encode(item, out);
        return;
    }
    case kind::map_: {
        const auto& m = *v.if_map();
        put_sized(m.size(), 0x80, 0x10, 0xde, false, out);
        for (const auto& [k, item] : m) {
            put_string(k, out);
            encode(item, out);
        }
        return;
    }
    case kind::timestamp:
        put_timestamp(*v.if_timestamp(), out);
        return;
    }
}

std::string encode(const value& v) {
    std::string out;
    encode(v, out);
    return out;
}

void put_nil(std::string& out) {
    out += '\xc0';
}
void put_bool(bool b, std::string& out) {
    out += b ? '\xc3' : '\xc2';
}
void put_array_header(std::size_t n, std::string& out) {
    put_sized(n, 0x90, 0x10, 0xdc, false, out);
}
void put_map_header(std::size_t n, std::string& out) {
    put_sized(n, 0x80, 0x10, 0xde, false, out);
}
void put_str(std::string_view s, std::string& out) {
    put_string(s, out);
}
void put_bin(std::string_view bytes, std::string& out) {
    put_sized(bytes.size(), 0, 0, 0xc4, true, out);
    out += bytes;
}
void put_unsigned(std::uint64_t u, std::string& out) {
    put_uint(u, out);
}
void put_signed(std::int64_t i, std::string& out) {
    if (i >= 0)
        put_uint(static_cast<std::uint64_t>(i), out);
    else
        put_int(i, out);
}
void put_number(double d, std::string& out) {
    put_double(d, out);
}

std::optional<std::string_view> peek_first_string(std::string_view bytes) noexcept {
    std::size_t at = 0;
    auto take = [&](std::size_t n, std::uint64_t& v) {
        if (bytes.size() - at < n)
            return false;
        v = 0;
        for (std::size_t i = 0; i < n; ++i)
            v = (v << 8) | static_cast<std::uint8_t>(bytes[at++]);
        return true;
    };
    std::uint64_t n = 0;
    if (!take(1, n))
        return std::nullopt;
    if ((n & 0xf0) == 0x90)
        n &= 0x0f;
    else if (n == 0xdc || n == 0xdd) {
        if (!take(n == 0xdc ? 2 : 4, n))
            return std::nullopt;
    } else
        return std::nullopt;
    if (n == 0)
        return std::nullopt;
    std::uint64_t len = 0;
    if (!take(1, len))
        return std::nullopt;
    if ((len & 0xe0) == 0xa0)
        len &= 0x1f;
    else if (len >= 0xd9 && len <= 0xdb) {
        if (!take(std::size_t{1} << (len - 0xd9), len))
            return std::nullopt;
    } else
        return std::nullopt;
    if (bytes.size() - at < len)
        return std::nullopt;
    return bytes.substr(at, static_cast<std::size_t>(len));
}

} // namespace senna::realtime::msgpack

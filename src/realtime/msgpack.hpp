#pragma once
// MessagePack for the subset @socket.io/redis-adapter and @socket.io/redis-emitter exchange:
// their codec is the npm notepack.io 3.0.1, and `encode` writes exactly the bytes it writes for
// the same data (tests/fixtures/msgpack/, made by make-fixtures.mjs with notepack itself).
// Sans-I/O and pure: no sockets, clocks or exceptions (std::bad_alloc aside). The JSON
// bridge (JSON values as notepack sees JavaScript objects) is msgpack_json.hpp.
//
// What notepack.io does, and so what we do:
//  - integers in the smallest form: positive fixint, uint8/16/32/64 for >= 0; negative fixint,
//    int8/16/32/64 below 0. A JavaScript number is an integer when Math.floor(x) === x, so an
//    integral double (1.0, -0.0) is written as an integer too; everything else (0.5, NaN,
//    infinities) as float64. It never writes float32, but decodes it.
//  - str by UTF-8 byte length: fixstr < 32, str8 < 256, str16 < 65536, str32; bin8/16/32
//    likewise (there is no fixbin); fixarray/fixmap < 16, then 16- and 32-bit counts.
//  - `undefined` is written as nil (3.x; an object member that is undefined is left out); the
//    fixext1 type 0 of notepack 2.x still decodes (to nil here).
//  - Date is the timestamp extension (-1): timestamp32 when whole seconds in [0, 2^32),
//    timestamp64 up to 2^34 s, timestamp96 otherwise (also before 1970). The 2.x fixext8 type 0
//    date (int64 milliseconds) decodes; ext8/16/32 type 0 decode as binary (2.x ArrayBuffer).
//  - other extensions decode, as notepack decodes them, to the array [type, bin].
//  - map keys: notepack writes object keys as str; we require str keys.
// Where we differ, on purpose: an integral double >= 2^64 or < -2^63 is written as float64
// (notepack writes its bits modulo 2^64 as uint64/int64: 1e21 comes out as 3.5e18); invalid
// UTF-8 in a str is replaced by U+FFFD per maximal subpart, as Node's Buffer#toString does.

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace senna::realtime::msgpack {

/** Why bytes were refused: expected outcomes of decoding untrusted input, never thrown. */
enum class error {
    /** The input ends inside a value (or is empty). */
    truncated = 1,
    /** Bytes remain after the one top-level value (notepack: "n trailing bytes"). */
    trailing_bytes,
    /** 0xc1 (never used), or a timestamp96 extension whose length is not 12. */
    invalid_type,
    /** Arrays and maps nested deeper than `limits::max_depth`. */
    too_deep,
    /** The input is longer than `limits::max_size`. */
    too_large,
    /** More array elements and map entries in total than `limits::max_elements`. */
    too_many_elements,
    /** A map key that is not a str. */
    non_string_key,
    /** Well-formed msgpack that is not an adapter broadcast [uid, packet, opts]
        (adapter_codec.hpp). */
    invalid_broadcast,
};

/** A short English description; found by ADL from util::enum_error_category. */
std::string_view describe(error e) noexcept;

/** The Boost.System category "senna.msgpack". */
const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

/** Bounds on untrusted input. */
struct limits {
    /** Longest input. A broadcast is one chat event; Socket.IO's own limit is 1 MB. */
    std::size_t max_size = 1'000'000;
    /** Deepest nesting of arrays and maps; the broadcast itself uses 3 levels before the
        event's data (as socketio::limits::max_depth bounds the JSON). Bounds the recursion of
        the decoder, the encoder and the JSON converters. */
    std::size_t max_depth = 32;
    /** Array elements plus map entries in the whole input: each costs a value (~56 bytes)
        while the input spends one or two bytes on it. */
    std::size_t max_elements = 100'000;
};

/** The timestamp extension (-1): a JavaScript Date on the wire. */
struct timestamp {
    std::int64_t seconds = 0;
    std::uint32_t nanoseconds = 0;
    friend bool operator==(const timestamp&, const timestamp&) = default;
};

/** bin bytes (a Node Buffer), kept apart from str. */
struct binary {
    std::string bytes;
    friend bool operator==(const binary&, const binary&) = default;
};

class value;
using array = std::vector<value>;
/** Entries in wire order; duplicate keys are kept (to_json: the last wins, as in JavaScript). */
using map = std::vector<std::pair<std::string, value>>;

enum class kind : std::uint8_t {
    nil,
    boolean,
    integer, ///< int64 below 0, uint64 from 0 (one value has one form)
    float64, ///< also decoded float32
    string,
    binary,
    array_, ///< (trailing _: `array` and `map` name the containers)
    map_,
    timestamp,
};

class value {
public:
    value() noexcept = default;
    value(std::nullptr_t) noexcept {}
    value(bool b) noexcept : v_(b) {}
    template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool> && !std::is_same_v<I, char>)
        value(I i)
    noexcept {
        if constexpr (std::is_signed_v<I>) {
            if (i < 0)
                v_ = static_cast<std::int64_t>(i);
            else
                v_ = static_cast<std::uint64_t>(i);
        } else {
            v_ = static_cast<std::uint64_t>(i);
        }
    }
    value(double d) noexcept : v_(d) {}
    value(std::string s) noexcept : v_(std::move(s)) {}
    value(std::string_view s) : v_(std::string(s)) {}
    value(const char* s) : v_(std::string(s)) {}
    value(binary b) noexcept : v_(std::move(b)) {}
    value(array a) noexcept : v_(std::move(a)) {}
    value(map m) noexcept : v_(std::move(m)) {}
    value(timestamp t) noexcept : v_(t) {}

    kind type() const noexcept;
    bool is_nil() const noexcept { return type() == kind::nil; }

    // Accessors: nullptr / false when the kind differs.
    const bool* if_bool() const noexcept { return std::get_if<bool>(&v_); }
    /** The integer when it fits int64. */
    bool get_int64(std::int64_t& out) const noexcept;
    /** The integer when it is >= 0. */
    bool get_uint64(std::uint64_t& out) const noexcept;
    const double* if_double() const noexcept { return std::get_if<double>(&v_); }
    const std::string* if_string() const noexcept { return std::get_if<std::string>(&v_); }
    std::string* if_string() noexcept { return std::get_if<std::string>(&v_); }
    const binary* if_binary() const noexcept { return std::get_if<binary>(&v_); }
    const array* if_array() const noexcept { return std::get_if<array>(&v_); }
    array* if_array() noexcept { return std::get_if<array>(&v_); }
    const map* if_map() const noexcept { return std::get_if<map>(&v_); }
    map* if_map() noexcept { return std::get_if<map>(&v_); }
    const timestamp* if_timestamp() const noexcept { return std::get_if<timestamp>(&v_); }
    /** The value of `key` in a map: its last entry, as a JavaScript object keeps the last of
        repeated keys; nullptr if none or not a map. */
    const value* find(std::string_view key) const noexcept;

    /** Structural: same kind and contents; doubles compare by their bits (NaN == same NaN,
        -0 != 0); an integer never equals a double. */
    friend bool operator==(const value& a, const value& b) noexcept;

private:
    std::variant<std::monostate, bool, std::int64_t, std::uint64_t, double, std::string, binary,
                 array, map, timestamp>
        v_;
};

/**
 * Decodes exactly one msgpack value filling all of `bytes` (as notepack.io's decode, which
 * refuses trailing bytes). Counts are checked against the bytes left before anything is
 * allocated, so a 5-byte input cannot ask for 2^32 elements.
 */
boost::system::result<value> decode(std::string_view bytes, const limits& lim = {});

/**
 * Appends the msgpack bytes of `v` to `out`, byte for byte as notepack.io 3.0.1 encodes the
 * corresponding JavaScript value (see the top of this file). Precondition: nesting is bounded
 * (values from `decode` and `from_json` are); counts and lengths below 2^32.
 */
void encode(const value& v, std::string& out);

/** encode into a new string. */
std::string encode(const value& v);

/** Writers for a caller that lays out a message itself (adapter_codec, msgpack_json): each
    writes one item in notepack's form, as `encode` would for the same value. */
void put_nil(std::string& out);
void put_bool(bool b, std::string& out);
/** The headers of an array or map of `n` items (the items follow). */
void put_array_header(std::size_t n, std::string& out);
void put_map_header(std::size_t n, std::string& out);
void put_str(std::string_view s, std::string& out);
void put_bin(std::string_view bytes, std::string& out);
void put_unsigned(std::uint64_t u, std::string& out);
/** Any int64: as put_unsigned from 0, the negative forms below. */
void put_signed(std::int64_t i, std::string& out);
/** A JavaScript number: an integer when it is one (see the top of this file), else float64. */
void put_number(double d, std::string& out);

/**
 * The first element of a top-level array when it is a str, read without decoding the rest
 * (nullopt otherwise). Lets a subscriber drop its own broadcasts by uid before paying for a
 * full decode; the rest is still validated by `decode` when it is decoded.
 */
std::optional<std::string_view> peek_first_string(std::string_view bytes) noexcept;

} // namespace senna::realtime::msgpack

template <>
struct boost::system::is_error_code_enum<senna::realtime::msgpack::error> : std::true_type {};

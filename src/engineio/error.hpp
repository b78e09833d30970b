#pragma once
// Why Engine.IO bytes were refused. Every value is an expected outcome of decoding untrusted
// input, so the codecs report it as an error_code and never throw. A session answers any of
// them the way the reference server answers a parser error: it closes the session (polling:
// HTTP 400).

#include <boost/system/error_code.hpp>

#include <string_view>
#include <type_traits>

namespace senna::engineio {

enum class error {
    /** A packet with no type character (an empty WebSocket frame, an empty polling body, two
        adjacent record separators, a v3 record of length 0). */
    empty_packet = 1,
    /** The type is not one of the digits 0-6 (or, in a v3 binary record, the bytes 0-6). */
    unknown_packet_type,
    /** A `b`-prefixed packet whose rest is not standard base64 (RFC 4648 §4). */
    bad_base64,
    /** Text that is not well-formed UTF-8 where the protocol says UTF-8. */
    invalid_utf8,
    /** More packets in one payload than `payload_limits::max_packets`. */
    too_many_packets,
    /** A decoded packet longer than `payload_limits::max_packet_size`. */
    packet_too_large,
    /** v3 framing that does not parse: a length that is not digits, a missing `:` or 0xff
        separator, a binary-record marker other than 0 or 1, too many length digits. */
    bad_framing,
    /** v3 framing whose declared length runs past the end of the body, or (text payloads)
        ends inside a character (half of a UTF-16 surrogate pair). */
    truncated,
};

/** A short English description; found by ADL from util::enum_error_category. */
std::string_view describe(error e) noexcept;

/** The Boost.System category "senna.engineio". */
const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

} // namespace senna::engineio

template <> struct boost::system::is_error_code_enum<senna::engineio::error> : std::true_type {};

#pragma once
// Why Socket.IO bytes were refused. Every value is an expected outcome of decoding untrusted
// input, so the codec reports it as an error_code and never throws. The reference server
// closes the connection on any of them ("invalid format"), and so should ours.

#include <boost/system/error_code.hpp>

#include <string_view>
#include <type_traits>

namespace senna::socketio {

enum class error {
    /** An Engine.IO message with no Socket.IO packet in it. */
    empty_packet = 1,
    /** The first character is not a digit 0-6. */
    unknown_packet_type,
    /** A binary packet without "<digits>-" after its type. */
    bad_attachments,
    /** More attachments announced than `limits::max_attachments`. */
    too_many_attachments,
    /** A namespace longer than `limits::max_namespace_size`. */
    namespace_too_long,
    /** An ack id that overflows 64 bits, or one on CONNECT, DISCONNECT or CONNECT_ERROR. */
    bad_ack_id,
    /** The payload is not JSON, or is nested deeper than `limits::max_depth`. */
    invalid_json,
    /** The payload does not fit the packet type (socket.io-parser's isPayloadValid): CONNECT
        not an object, DISCONNECT with a payload, EVENT not a non-empty array starting with a
        string or number, ACK not an array, CONNECT_ERROR neither object nor string; or a
        payload missing where the type requires one (EVENT, ACK). */
    invalid_payload,
    /** An EVENT named like a reserved event (connect, connect_error, disconnect,
        disconnecting, newListener, removeListener). */
    reserved_event,
    /** A binary packet whose JSON holds a {"_placeholder":true} without an integer `num`
        below the attachment count. */
    bad_placeholder,
    /** The packet text is longer than `limits::max_packet_size`. */
    packet_too_large,
    /** A binary message while no binary packet awaits attachments. */
    unexpected_binary,
    /** A text message while a binary packet still awaits attachments. */
    unexpected_text,
    /** Attachments of one packet larger in total than `limits::max_attachment_bytes`. */
    attachments_too_large,
};

/** A short English description; found by ADL from util::enum_error_category. */
std::string_view describe(error e) noexcept;

/** The Boost.System category "senna.socketio". */
const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

} // namespace senna::socketio

template <> struct boost::system::is_error_code_enum<senna::socketio::error> : std::true_type {};

#pragma once
// Socket.IO packets and their text codec: sans-I/O and pure (no sockets, clocks or exceptions;
// std::bad_alloc aside). Each packet travels as the data of one Engine.IO message; a binary
// packet's attachments follow as that many binary Engine.IO messages (binary.hpp puts them
// back together). Revision differences (v5 over EIO=4, v4 over EIO=3): revision.hpp.
//
// Protocol: socket.io-protocol Readme (v5, commit 4f633dd; v4 branch 8df2120); validation as
// socket.io-parser 4.2.4 (164ba2a) decodes:
//
//   <type>[<attachments>-][<nsp>,][<ack id>][<JSON payload>]
//
//   0                                        CONNECT "/"
//   0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}    CONNECT "/admin" with a payload
//   4{"message":"Not authorized"}             CONNECT_ERROR "/"
//   212["foo"]                               EVENT "/" with ack id 12
//   3/admin,13["bar"]                        ACK "/admin" id 13
//   51-["baz",{"_placeholder":true,"num":0}] BINARY_EVENT with 1 attachment
//   1/admin,                                 DISCONNECT "/admin"

#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace senna::socketio {

enum class packet_type : std::uint8_t {
    connect = 0,       ///< client: join a namespace (v5: optional auth object); server: joined
    disconnect = 1,    ///< either side: leave a namespace
    event = 2,         ///< ["name", args...], optionally with an ack id
    ack = 3,           ///< [results...] answering the event with the same id
    connect_error = 4, ///< server: joining refused (v5: object; v4: string or any JSON)
    binary_event = 5,  ///< event whose JSON holds placeholders for binary attachments
    binary_ack = 6,    ///< ack whose JSON holds placeholders for binary attachments
};

/** "CONNECT", "EVENT", ... as the reference names them (for logs). */
std::string_view name(packet_type t) noexcept;

/** True for binary_event and binary_ack. */
constexpr bool is_binary(packet_type t) noexcept {
    return t == packet_type::binary_event || t == packet_type::binary_ack;
}

struct packet {
    packet_type type = packet_type::event;
    /** The namespace, "/" by default. v4 (EIO=3) clients append "?query" on CONNECT; see
        revision.hpp. Must start with '/' (a packet cannot carry any other). */
    std::string nsp = "/";
    /** The ack id: on an EVENT it asks for an ACK with the same id. */
    std::optional<std::uint64_t> id;
    /** The payload; null means none (null is never a valid payload, so nothing is lost). */
    boost::json::value data;
    /** Binary parts: placeholder {"_placeholder":true,"num":i} in `data` stands for
        attachments[i]. */
    std::vector<std::string> attachments;
    /** Only on a binary packet fresh from `decode`: how many attachments the header
        announced and are still to come (see binary.hpp); 0 everywhere else. */
    std::size_t pending_attachments = 0;

    friend bool operator==(const packet&, const packet&) = default;
};

/** Bounds on untrusted input; every one has a reason. */
struct limits {
    /** Longest packet text. Engine.IO already bounds a message (maxPayload, 1 MB); this
        keeps the codec safe on its own. */
    std::size_t max_packet_size = 1'000'000;
    /** Most attachments one packet may announce: each is a separate message we must buffer
        until the last arrives. A chat needs few. */
    std::size_t max_attachments = 10;
    /** Total bytes of one packet's attachments. */
    std::size_t max_attachment_bytes = 1'000'000;
    /** Deepest JSON nesting (arrays and objects); the event array itself is depth 1. Bounds
        the recursion of the placeholder walk and of the writer. */
    std::size_t max_depth = 32;
    /** Longest namespace. Long because v4 clients put their auth query in it
        ("/admin?token=<JWT>"). */
    std::size_t max_namespace_size = 4096;
};

/**
 * Decodes the text of one Socket.IO packet (one Engine.IO text message), validating like
 * socket.io-parser 4.2.4 and stricter where the protocol document says MUST:
 *  - CONNECT: payload absent or an object; DISCONNECT: no payload; CONNECT_ERROR: payload
 *    absent, an object or a string;
 *  - EVENT/BINARY_EVENT: payload required, a non-empty array whose first element is a number
 *    or a string other than the reserved event names;
 *  - ACK/BINARY_ACK: payload required, an array;
 *  - an ack id only on EVENT, ACK and their binary forms, at most 2^64-1;
 *  - binary packets: "<count>-" required, count <= limits.max_attachments, every placeholder
 *    in the payload numbered below count;
 *  - the namespace runs from a leading '/' to the first ',' or the end ("40/custom" is
 *    accepted, as the reference test suite sends it).
 * A binary packet comes back with `pending_attachments` = the announced count (which may be 0)
 * and no attachments; feed it to a `reconstructor` (binary.hpp) or use `decoder`.
 */
boost::system::result<packet> decode(std::string_view text, const limits& lim = {});

/**
 * Appends the text of `p` to `out`; the attachments, if any, go in the Engine.IO binary
 * messages that follow, in order. An EVENT or ACK with attachments is written as
 * BINARY_EVENT or BINARY_ACK (as the reference encoder does when it finds binary data); the
 * attachment count written is attachments.size(). JSON as JSON.stringify writes it (json.hpp).
 *
 * Preconditions: `nsp` is empty, "/" or starts with '/' and contains no ','; placeholders in
 * `data` match `attachments`.
 */
void encode(const packet& p, std::string& out);

/** encode into a new string. */
std::string encode(const packet& p);

} // namespace senna::socketio

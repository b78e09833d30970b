#pragma once
// Socket.IO protocol revisions 5 (socket.io >= 3, over Engine.IO v4, `EIO=4`) and 4
// (socket.io 1.x/2.x, over Engine.IO v3, `EIO=3`). The packet text format is the same, and the
// reference server (socket.io 4 with allowEIO3) decodes both with one parser, so `decode` and
// `encode` serve both; what differs is what the packets mean:
//
//  1. Joining "/". v5: the client sends CONNECT for every namespace, "/" included, and waits
//     for the answer. v4: the client never asks for "/"; the server connects it implicitly as
//     soon as the Engine.IO session opens (after running the "/" middleware, e.g. auth) and
//     sends `0` (or CONNECT_ERROR for "/") unasked. A v4 client asking for "/admin" gets
//     the "/" CONNECT first all the same.
//  2. CONNECT from the client. v5: an optional auth object as payload
//     (`0/admin,{"token":"123"}`). v4: no payload; auth travels as a query string on the
//     namespace (`0/admin?token=123,`), or for "/" in the Engine.IO handshake URL.
//     split_namespace separates the two.
//  3. CONNECT from the server. v5: payload {"sid":"<socket id>"} (the socket id differs from
//     the Engine.IO sid). v4: no payload (`0/admin,`); the socket id is "<nsp>#<engine sid>"
//     ("/" sockets: the engine sid itself) and the client computes it.
//  4. CONNECT_ERROR (called ERROR in v4). v5: an object {"message":..., "data":...}. v4: the
//     error's data if it has any, else its message as a JSON string (`4"Not authorized"`).
//  5. Unknown namespace. v5: `44/random,{"message":"Invalid namespace"}`; v4:
//     `4/random,"Invalid namespace"`.
//
// Unchanged: EVENT, ACK, their binary forms (BINARY_ACK exists since revision 4), DISCONNECT,
// ack ids, placeholders. Engine.IO v3 differs more (heartbeat direction, payload framing):
// see engineio/payload.hpp.

#include "engineio/packet.hpp"
#include "socketio/packet.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace senna::socketio {

enum class revision : std::uint8_t { v4 = 4, v5 = 5 };

/** The Socket.IO revision a client speaks, from its Engine.IO version. */
constexpr revision revision_for(engineio::version v) noexcept {
    return v == engineio::version::v3 ? revision::v4 : revision::v5;
}

struct namespace_parts {
    std::string_view name;  ///< "/admin"
    std::string_view query; ///< "token=123" (still percent-encoded), empty if none
};

/** Splits a v4 CONNECT namespace "/admin?token=123" at the first '?'. v5 namespaces carry no
    query, but a '?' in one splits the same way (the reference would not find such a
    namespace either). */
namespace_parts split_namespace(std::string_view nsp) noexcept;

/** The server's CONNECT accepting `nsp` (a name, no query). v5: `0/admin,{"sid":"..."}`, and
    `{"sid":"...","pid":"..."}` with a recovery pid (recovery.hpp); v4: `0/admin,` (and `0`
    for "/", which v4 sends unasked, see 1 above). */
packet connect_ack(std::string_view nsp, std::string_view socket_id, revision r,
                   std::string_view pid = {});

/** The server's CONNECT_ERROR refusing `nsp`. v5: {"message":message} plus "data":data
    unless data is null; v4: data unless null, else message as a string. */
packet connect_error(std::string_view nsp, std::string_view message, boost::json::value data,
                     revision r);

} // namespace senna::socketio

#pragma once
// Why a connection (or one namespace of it) ends, in one table (centrifuge's disconnect.go is
// the model): the name the reference servers use (what disconnect handlers receive and logs
// say), the WebSocket close frame the server sends for it, and whether the client should
// reconnect. Engine.IO's own reasons, then the two Socket.IO adds for one namespace (the
// session may stay open); nothing here is sent as text: a client sees the close frame, a cut
// connection, or (polling) a close packet.

#include <cstdint>
#include <string_view>

namespace senna::engineio {

enum class disconnect_reason : std::uint8_t {
    transport_close,      // the client closed its transport
    transport_error,      // the transport failed (reset, bad frame, a second pending GET)
    parse_error,          // the client sent what Engine.IO / Socket.IO cannot decode
    ping_timeout,         // no pong (v4) or ping (v3) in time
    slow_consumer,        // the outbox overflowed (settings::outbox_limit)
    forced_close,         // the server closed it (socket.disconnect(true), timeouts)
    server_shutting_down, // SIGTERM: the instance drains
    // Socket.IO's, for one namespace:
    client_namespace_disconnect, // the client left the namespace
    server_namespace_disconnect, // the server made the socket leave it
};

struct disconnect_info {
    std::string_view name;       // the reference's reason string
    std::uint16_t ws_close_code; // the close frame of a server-side close(); 0: none (cut, or
                                 // the client's doing)
    bool reconnect;              // should the client connect again (after a backoff)?
};

/** The table's row for `r`. */
const disconnect_info& info(disconnect_reason r) noexcept;

inline std::string_view to_string(disconnect_reason r) noexcept {
    return info(r).name;
}

} // namespace senna::engineio

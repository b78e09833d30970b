#pragma once
// The open packet's JSON. The official test suites and clients parse it, but byte-exact
// comparisons in tests and captures are easier when it matches the reference server, so the
// keys come in the reference's order: sid, upgrades, pingInterval, pingTimeout, maxPayload.

#include "engineio/packet.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace senna::engineio {

struct handshake {
    /** The session id; JSON-escaped on output (ours are base64url, so escaping is moot). */
    std::string sid;
    /** Transports the client may upgrade to: {"websocket"} for a polling session, {} when the
        session already runs on WebSocket. */
    std::vector<std::string> upgrades{"websocket"};
    /** v4: how often the server pings; v3: how often the client pings. */
    std::uint64_t ping_interval_ms = 25000;
    /** How long a ping may wait for its pong before the peer is considered gone. */
    std::uint64_t ping_timeout_ms = 20000;
    /** v4 only: the most bytes the client may put in one polling payload. */
    std::uint64_t max_payload = 1'000'000;
};

/**
 * v4: {"sid":"...","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,
 * "maxPayload":1000000}; v3: the same without maxPayload (v3 has no such field).
 */
std::string handshake_json(const handshake& h, version v);

/** The open packet carrying handshake_json. */
packet open_packet(const handshake& h, version v);

} // namespace senna::engineio

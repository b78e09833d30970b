#pragma once
// Engine.IO packets and their WebSocket-frame codec: sans-I/O and pure (no sockets, clocks or
// exceptions; std::bad_alloc aside). The HTTP long-polling payload codec is payload.hpp; the
// open packet's JSON is handshake.hpp.
//
// Protocol: engine.io-protocol README (v4, commit f21de7b) and its `v3` branch (05468d1).
//
//   v4 (EIO=4, socket.io >= 3)      v3 (EIO=3, socket.io 1.x/2.x)
//   text frame  "<type><data>"      same
//   binary frame <data>             <type byte><data>   (a binary frame is always a message
//                                                         in v4; v3 puts the type, e.g. 0x04,
//                                                         in the first byte)
//   base64 text  "b<base64>"        "b<type><base64>"   (for clients that sent `b64=1`)

#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace senna::engineio {

enum class packet_type : std::uint8_t {
    open = 0,    ///< server → client, first packet of a session: the handshake JSON
    close = 1,   ///< either side: the transport (and the session) closes
    ping = 2,    ///< v4: server → client heartbeat (and the client's "probe" on upgrade);
                 ///< v3: client → server heartbeat
    pong = 3,    ///< the answer to ping, echoing its data
    message = 4, ///< application data (a Socket.IO packet)
    upgrade = 5, ///< client → server: switch to the probed WebSocket
    noop = 6,    ///< server → client: ends a pending poll during an upgrade
};

/** The lowercase name the reference implementation uses ("open", "message", ...). */
std::string_view name(packet_type t) noexcept;

/** Engine.IO protocol revision, the `EIO` query parameter. */
enum class version : std::uint8_t { v3 = 3, v4 = 4 };

/** "3" or "4" (the `EIO` query value); nullopt for anything else (the server answers 400). */
std::optional<version> parse_version(std::string_view eio) noexcept;

struct packet {
    packet_type type = packet_type::message;
    /** Text (UTF-8) or, when `binary`, raw bytes. Empty means "no data" ("2" is a bare ping). */
    std::string data;
    /** The data is bytes, not text. Meaningful for messages only: v4 cannot carry the type of
        a binary packet and encodes every binary packet as a message. */
    bool binary = false;

    friend bool operator==(const packet&, const packet&) = default;
};

/** The WebSocket opcode a frame travels with. */
enum class frame_kind : std::uint8_t { text, binary };

/**
 * Appends one packet encoded as a WebSocket frame payload to `out` and returns the opcode to
 * send it with. Text packets: "<type><data>". Binary packets: the raw data (v4) or the type
 * byte then the data (v3) in a binary frame; with `base64` (the client connected with
 * `b64=1`) a text frame "b<base64>" (v4) or "b<type><base64>" (v3) instead.
 */
frame_kind encode_frame(const packet& p, std::string& out, version v = version::v4,
                        bool base64 = false);

/**
 * Decodes one WebSocket frame payload. Text frames: "<type>[data]" or a base64 binary packet
 * ("b..."), as encode_frame writes them. Binary frames: v4, the whole frame is a binary
 * message; v3, the first byte is the type (0-6).
 *
 * Contract: a text frame's UTF-8 is not re-checked here (RFC 6455 §8.1 makes the WebSocket
 * layer fail the connection on invalid UTF-8 and Beast does). Frame size is bounded by the
 * WebSocket layer's message limit, so there is no size limit here.
 *
 * Errors: empty_packet, unknown_packet_type, bad_base64.
 */
boost::system::result<packet> decode_frame(std::string_view bytes, frame_kind kind,
                                           version v = version::v4);

namespace detail {

/** The text form of one packet ("<type><data>" or base64) appended to out; shared with the
    payload codec. Binary packets are always base64 here. */
void encode_text_packet(const packet& p, std::string& out, version v);

/** Decodes the text form of one packet (a text frame, a polling record). No UTF-8 check. */
boost::system::result<packet> decode_text_packet(std::string_view text, version v);

} // namespace detail

} // namespace senna::engineio

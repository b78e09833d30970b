#pragma once
// HTTP long-polling bodies ("payloads"): several Engine.IO packets in one request or response.
// Sans-I/O and pure, like packet.hpp.
//
//   v4         packets joined by the record separator 0x1e; binary packets as "b<base64>":
//                4hello\x1e2\x1e4world        4hello\x1ebAQIDBA==
//   v3_text    "<length>:<packet>" records; length counts UTF-16 code units (JavaScript
//              string length: U+10000 and above count 2) of the packet text; binary packets
//              as "b<type><base64>":
//                6:4hello2:4€                 2:4€10:b4AQIDBA==
//   v3_binary  (XHR2 clients, Content-Type application/octet-stream) records of a marker
//              byte (0 text, 1 binary), the byte length as one byte per decimal digit (values
//              0-9), 0xff, then the packet: text as UTF-8 "<type char><data>", binary as
//              <type byte><data>:
//                00 04 ff 34 e2 82 ac   01 05 ff 04 01 02 03 04
//
// All three are supported both ways. Not supported: the v3 JSONP transport (`j=` query
// parameter, a body wrapped in a script call), which socket.io-client 2.x uses only when
// forced (`jsonp: true` without XHR); the server should answer it 400.

#include "engineio/packet.hpp"

#include <boost/system/result.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace senna::engineio {

enum class payload_format : std::uint8_t { v4, v3_text, v3_binary };

struct payload_limits {
    /** Most packets in one payload. The body size is bounded by the HTTP layer (maxPayload,
        1 MB by default), but a body of 2-byte pings would still make 500k packets; a browser
        flushes what it queued during one round trip, far fewer. */
    std::size_t max_packets = 1024;
    /** Largest packet data after decoding (bytes); the reference's maxPayload default. */
    std::size_t max_packet_size = 1'000'000;
};

/**
 * Appends the payload holding `packets`, in `format`, to `out`. Preconditions: v4 text packets
 * contain no 0x1e (the protocol cannot carry it; Socket.IO's JSON never does, since
 * JSON.stringify escapes control characters); text data is UTF-8.
 */
void encode_payload(std::span<const packet> packets, payload_format format, std::string& out);

/**
 * Decodes a polling request body. Fails as a whole on the first bad packet (the reference
 * server closes the session on a parse error, so earlier packets need not be delivered).
 *
 * Errors: empty_packet (also for an empty body), unknown_packet_type, bad_base64, invalid_utf8,
 * too_many_packets, packet_too_large, and for v3 bad_framing, truncated.
 */
boost::system::result<std::vector<packet>>
decode_payload(std::string_view body, payload_format format, const payload_limits& limits = {});

/**
 * The format of a response to a GET poll: v4 always; v3 the binary framing when a packet is
 * binary and the client accepts binary (it did not send `b64=1`), else the text framing
 * (what the reference v3 server does).
 */
payload_format response_format(version v, bool client_accepts_binary,
                               std::span<const packet> packets) noexcept;

/** The format of a POST body: v4 always; v3 binary iff `content_type` (the header's value)
    is application/octet-stream. */
payload_format request_format(version v, std::string_view content_type) noexcept;

/** The Content-Type of a response in `format`: "application/octet-stream" for v3_binary,
    else "text/plain; charset=UTF-8". */
std::string_view content_type(payload_format format) noexcept;

/** Number of UTF-16 code units of UTF-8 `text` (JavaScript's String#length): one per code
    point, two per code point above U+FFFF. Precondition: `text` is valid UTF-8. */
std::size_t utf16_length(std::string_view text) noexcept;

} // namespace senna::engineio

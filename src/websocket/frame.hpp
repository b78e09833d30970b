#pragma once
// websocket: RFC 6455, server side.
//
// This header is the sans-I/O frame codec: it parses client frames (masking, fragmentation,
// control frames, close codes, UTF-8 of text messages) and writes the headers of server frames.
// No sockets, no clocks, no exceptions (std::bad_alloc aside). The handshake's pure parts are
// handshake.hpp. The connection object that does the I/O (reads into the shard's buffer, writes
// queued frames with one writev) lives beside them later, in connection.hpp.
//
// Not supported: extensions. Permessage-deflate would cost ~170 KiB per connection
// (ARCHITECTURE.md), so the server never offers it, and a frame with any RSV bit set is a
// protocol error (RFC 6455 5.2: "MUST be 0 unless an extension is negotiated").
//
// Reading, with a buffer the caller owns and keeps only an unfinished frame of:
//
//   for (;;) {
//       const websocket::step s = parser.next(buf);   // buf: the bytes not consumed yet
//       if (s.ev) { ...handle *s.ev, before the next call...; }
//       if (s.ev && s.ev->type == websocket::event::kind::error) break;  // send close s.ev->code
//       if (s.consumed == 0 && !s.ev) break;          // need more: keep buf, read, call again
//       buf = buf.subspan(s.consumed);
//   }

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace senna::websocket {

enum class opcode : std::uint8_t {
    continuation = 0,
    text = 1,
    binary = 2,
    close = 8,
    ping = 9,
    pong = 10
};

/** Status codes of close frames (RFC 6455 7.4.1). */
namespace close_code {
inline constexpr std::uint16_t normal = 1000, going_away = 1001, protocol_error = 1002,
                               unsupported_data = 1003, no_status = 1005, abnormal = 1006,
                               invalid_payload = 1007, policy_violation = 1008,
                               message_too_big = 1009, internal_error = 1011;
} // namespace close_code

struct parser_limits {
    /** Largest message payload (all fragments together). Enforced from each frame's header, before
        its payload arrives, so a peer cannot make the caller or the parser buffer more. */
    std::size_t max_message = 1'000'000;
};

struct event {
    enum class kind : std::uint8_t { message, ping, pong, close, error };
    kind type = kind::message;
    /** message: binary (true) or text (false). */
    bool binary = false;
    /** message/ping/pong: the unmasked payload; close: the reason text (valid UTF-8); error: a
        short static description of what was wrong (for logs or a close reason). */
    std::string_view payload;
    /** close: the peer's code (1005 = none given); error: the close code the server must send
        (1002, 1007 or 1009). */
    std::uint16_t code = 0;
};

/** Result of one parse step. consumed: bytes of the input used. ev: an event, if the step
    completed one.
    consumed == 0 && !ev  -> need more bytes (the frame at the front is incomplete; the caller
                             keeps those bytes and calls again with them plus more).
    consumed > 0  && !ev  -> a non-final fragment was absorbed (or an empty continuation); call
                             again with the rest.
    An error event consumes nothing. */
struct step {
    std::size_t consumed = 0;
    std::optional<event> ev;
};

/**
 * Parses the frames a client sends (RFC 6455 5.2-5.6), one complete frame per step, and fails
 * the connection (an error event with the close code to send) on anything RFC 6455 forbids:
 * unmasked frames, RSV bits, unknown opcodes, fragmented or oversized (> 125) control frames,
 * continuation without a message or a new message inside one, 64-bit lengths with the top bit
 * set (1002); messages above max_message (1009); text or close reasons that are not UTF-8
 * (1007); close payloads of 1 byte or with a code valid_close_code refuses (1002). Header checks
 * run as soon as the header is in (fail fast, buffer nothing of a frame to be refused);
 * fragmented text is checked fragment by fragment, a code point may straddle two.
 *
 * Control frames between the fragments of a message are reported at once and leave the message
 * alone. Non-minimal length encodings are accepted (RFC 6455 does not make them an error).
 *
 * Memory: nothing while no fragmented message is in progress (held_bytes() == 0); during one,
 * the fragments so far (up to max_message, in a buffer that grows geometrically, so its capacity
 * can reach about twice that). The buffer is released on the first call after the message's
 * event, or by reset().
 */
class parser {
public:
    explicit parser(parser_limits lim = {}) noexcept;

    /** Parses at most one frame from the front of `buf`. The payload is unmasked IN PLACE in
        `buf` (that is why it is mutable), and only once the whole frame is there: bytes of an
        unfinished frame are left untouched for the next call. For an unfragmented message the
        event's payload points into `buf` (no copy); for a fragmented one the fragments are
        accumulated in the parser and the final event's payload points into the parser's own
        buffer. Either view is valid until the next call to next() or reset(). After an error
        event the parser stays failed: every later call returns the same error without
        consuming (reset() does not clear that; a new parser does). */
    step next(std::span<char> buf);

    /** Bytes the frame at the front of `buf` needs in total (header + payload), 0 if the header
        itself is not complete yet; lets the caller reserve. Saturates at SIZE_MAX. It does not
        check the header: reserve only once next() has returned "need more" for this frame (it
        would have reported a frame above max_message as an error), so at most max_message + 14
        bytes. */
    static std::size_t frame_size(std::span<const char> buf) noexcept;

    /** True while a fragmented message is in progress (its bytes are held by the parser). */
    bool in_message() const noexcept { return in_message_; }

    /** Drops any fragment state and buffers, releasing their memory (shrink to nothing). A failed
        parser stays failed. */
    void reset() noexcept;

    /** Heap bytes the parser holds now (its fragment buffer's capacity); 0 when idle. */
    std::size_t held_bytes() const noexcept { return message_.capacity(); }

private:
    // Failures are indexes into the table in frame.cpp; 0 is none.
    step fail(std::uint8_t failure) noexcept;
    step failed() const noexcept;
    /** The checks the first two bytes of a frame allow. */
    std::uint8_t check_start(unsigned char b0, unsigned char b1) const noexcept;
    /** The checks its payload length allows, before the payload is in. */
    std::uint8_t check_length(unsigned char b0, std::uint64_t len) const noexcept;
    step control(opcode op, std::span<char> payload, std::size_t consumed) noexcept;
    step data(opcode op, bool fin, std::span<char> payload, std::size_t consumed);

    // Budget (x86-64, libstdc++): 24 + 8 + 4 = 40 bytes, allocated or not.
    std::vector<char> message_; ///< the fragments so far of the message in progress
    std::size_t max_message_;
    std::uint8_t failure_ = 0;    ///< 0, or what failed (kept: a failed parser stays failed)
    bool in_message_ = false;     ///< a non-final text/binary frame came, its final one not yet
    bool binary_ = false;         ///< of the message in progress
    std::uint8_t unfinished_ = 0; ///< text in progress: bytes at its end of a cut code point
};

/** Writes the header of a server frame (never masked) for a payload of `len` bytes into `out`;
    returns its length (2, 4 or 10). fin=false for a non-final fragment. Precondition:
    len < 2^63 (RFC 6455 5.2). */
std::size_t write_header(opcode op, std::uint64_t len, std::span<unsigned char, 10> out,
                         bool fin = true) noexcept;

/** The payload of a close frame: the 2-byte code in network order, then `reason` (cut to fit 123
    bytes at a UTF-8 boundary). code 1005 -> empty payload. Precondition: a code a server may
    send (not 1005 aside, 1006, 1015) and a UTF-8 reason. */
std::string close_payload(std::uint16_t code, std::string_view reason = {});

/** Whether `code` may appear in a close frame sent by a peer (RFC 6455 7.4: 1000-1003,
    1007-1014, 3000-4999). */
bool valid_close_code(std::uint16_t code) noexcept;

/** Strict UTF-8 validation (no overlongs, no surrogates, max U+10FFFF). Fast path for ASCII
    (8 bytes at a time). The same check as util::valid_utf8, which it is. */
bool valid_utf8(std::string_view s) noexcept;

} // namespace senna::websocket

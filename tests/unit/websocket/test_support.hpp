#pragma once
// Shorthands for the WebSocket codec tests, shared with tests/fuzz/websocket_frame_fuzz.cpp: a
// client-side frame encoder and the caller's read loop with the parser's contract checked at
// every step. No GoogleTest here (the fuzz target includes it).

#include "websocket/frame.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace senna::websocket::test {

/** Bytes from a list of byte values (RFC 6455 writes its examples as hex bytes). */
inline std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (const int v : values)
        out += static_cast<char>(v);
    return out;
}

inline constexpr std::array<unsigned char, 4> rfc_key{0x37, 0xfa, 0x21, 0x3d}; // RFC 6455 5.7

/** A frame as a client sends it: the header write_header gives a server, with the mask bit set
    and `key` after it, then the payload masked with `key`. */
inline std::string client_frame(opcode op, std::string_view payload = {}, bool fin = true,
                                std::array<unsigned char, 4> key = rfc_key) {
    std::array<unsigned char, 10> header{};
    const std::size_t n = write_header(op, payload.size(), header, fin);
    header[1] |= 0x80;
    std::string out(reinterpret_cast<const char*>(header.data()), n);
    out.append(reinterpret_cast<const char*>(key.data()), key.size());
    for (std::size_t i = 0; i < payload.size(); ++i)
        out += static_cast<char>(static_cast<unsigned char>(payload[i]) ^ key[i % 4]);
    return out;
}

/** An event with its payload copied (the parser's views do not outlive the next call). */
struct recorded {
    event::kind type = event::kind::message;
    bool binary = false;
    std::string payload;
    std::uint16_t code = 0;

    friend bool operator==(const recorded&, const recorded&) = default;
};

inline recorded message(std::string_view payload, bool binary = false) {
    return {event::kind::message, binary, std::string(payload), 0};
}
inline recorded ping(std::string_view payload = {}) {
    return {event::kind::ping, false, std::string(payload), 0};
}
inline recorded pong(std::string_view payload = {}) {
    return {event::kind::pong, false, std::string(payload), 0};
}
inline recorded close(std::uint16_t code, std::string_view reason = {}) {
    return {event::kind::close, false, std::string(reason), code};
}

struct run {
    std::vector<recorded> events; ///< up to and including an error, if one came
    std::size_t left = 0;         ///< bytes of the stream not consumed
    std::string broken;           ///< the first contract violation seen, empty if none
};

/**
 * Feeds `stream` to a new parser `chunk` bytes at a time (stream.size() or more: all at once;
 * 1: byte by byte) the way a connection would: it keeps what was not consumed, appends what it
 * reads, and calls next() until "need more" or an error. Checks the contract of frame.hpp at
 * every step and records the first violation in `broken`.
 */
inline run feed(std::string_view stream, std::size_t chunk, parser_limits limits = {}) {
    run r;
    parser p(limits);
    std::string held; // the caller's bytes: an unfinished frame and what came after it
    const auto broke = [&r](const char* what) {
        if (r.broken.empty())
            r.broken = what;
    };
    bool failed = false;
    std::size_t consumed = 0;
    for (std::size_t at = 0; at < stream.size() && !failed;) {
        const std::size_t n = std::min(chunk, stream.size() - at);
        held.append(stream.substr(at, n));
        at += n;
        while (true) {
            const std::size_t size = parser::frame_size({held.data(), held.size()});
            const step s = p.next({held.data(), held.size()});
            if (!s.ev && s.consumed == 0) { // need more
                if (size != 0 && size <= held.size())
                    broke("need more, yet the frame is complete");
                if (!p.in_message() && p.held_bytes() != 0)
                    broke("idle parser holds memory");
                break;
            }
            if (s.ev && s.ev->type == event::kind::error) {
                r.events.push_back({s.ev->type, s.ev->binary, {}, s.ev->code});
                if (s.consumed != 0)
                    broke("error consumed bytes");
                const step again = p.next({held.data(), held.size()});
                if (again.consumed != 0 || !again.ev || again.ev->type != event::kind::error ||
                    again.ev->code != s.ev->code)
                    broke("failed parser did not stay failed");
                if (p.held_bytes() != 0)
                    broke("failed parser holds memory");
                failed = true;
                break;
            }
            if (s.consumed != size)
                broke("consumed is not the frame's size");
            if (s.ev) {
                const event& e = *s.ev;
                if (e.type == event::kind::message) {
                    if (e.payload.size() > limits.max_message)
                        broke("message above max_message");
                    if (!e.binary && !valid_utf8(e.payload))
                        broke("text message not UTF-8");
                } else if (e.payload.size() > 125) {
                    broke("control payload above 125 bytes");
                }
                if (e.type == event::kind::close &&
                    (!valid_utf8(e.payload) ||
                     (e.code != close_code::no_status && !valid_close_code(e.code)) ||
                     (e.code == close_code::no_status && !e.payload.empty())))
                    broke("bad close event");
                r.events.push_back({e.type, e.binary, std::string(e.payload), e.code});
            }
            held.erase(0, s.consumed);
            consumed += s.consumed;
        }
    }
    r.left = stream.size() - consumed;
    return r;
}

} // namespace senna::websocket::test

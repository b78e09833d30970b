// senna-loadgen: Socket.IO v5 over Engine.IO v4 over a direct WebSocket (RFC 6455) client.
//
// Contract:
//  - start(): TCP connect from `src` -> `GET /socket.io/?EIO=4&transport=websocket` upgrade
//    (Sec-WebSocket-Accept verified) -> Engine.IO open `0{...}` -> we send `40{"token":JWT}`
//    -> `40{"sid":...}` = ready (hooks->on_ready). `44...` (CONNECT_ERROR) = on_fail.
//  - Engine.IO ping `2` is answered `3` at once. WebSocket pings get pongs, a close frame is
//    echoed and the socket closed (on_close / on_fail).
//  - Server frames must be unmasked (a masked one is a protocol error); every frame we send is
//    masked with a fresh key. Fragmented messages are reassembled (servers rarely fragment).
//  - Reads go into the Loop's shared buffer; only a partial frame at the end is copied into the
//    per-connection `in`. Packets are handed to hooks as views that are valid during the call.
#pragma once
#include "common.hpp"

#include <string>
#include <string_view>

namespace lg {

struct WsOpts {
    Target tgt;
    std::string secret;
    std::string path = "/socket.io/?EIO=4&transport=websocket";
    bool send_token = true;
    bool delay_acks = false; // TCP_QUICKACK=0 once connected (--delay-acks)  // false: CONNECT with
                             // no auth (selftest may skip the JWT)
};

struct WsClient final : Client {
    const WsOpts* opts = nullptr;
    std::string in, out, frag;
    char key[25] = {};
    uint8_t frag_op = 0;

    void start(uint64_t now) override;
    void shutdown(bool polite) override;
    void on_io(uint32_t ev) override;

    // Send one text message (an Engine.IO packet), masked.
    void send_text(std::string_view s) { send_frame(0x1, s.data(), s.size()); }
    // `42<ack>["event",<json>]`
    void emit(std::string_view event, std::string_view json, long ack_id);

private:
    void send_frame(uint8_t op, const char* p, size_t n);
    void queue(const char* p, size_t n);
    void flush();
    void close_fd() override;
    void on_readable();
    size_t on_upgrade(const char* p, size_t n); // bytes of the 101 head consumed, 0 = need more
    size_t on_frames(const char* p, size_t n);  // bytes of whole frames consumed
    void on_packet(const char* p, size_t n);
};

// Case-insensitive search of `needle` (lower case) in [p, p+n).
const char* ci_find(const char* p, size_t n, std::string_view needle);
// Sec-WebSocket-Accept for a key.
std::string ws_accept(std::string_view key);

} // namespace lg

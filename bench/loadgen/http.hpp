// senna-loadgen: HTTP/1.1 clients — the REST sender pool and Engine.IO long-polling sessions.
#pragma once
#include "common.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lg {

// Parse one HTTP/1.1 response at [p, p+n). Returns bytes consumed, 0 if incomplete, -1 if
// malformed. Content-Length and chunked bodies; `body` points into p or into `scratch`.
// `close` is set when the server said Connection: close.
long parse_response(const char* p, size_t n, int& status, std::string_view& body,
                    std::string& scratch, bool& close);

// A pool of keep-alive connections that POST JSON with a fixed token, open loop:
// post() never blocks; a request waits in the pool's queue until a connection has fewer than
// `depth` requests outstanding (depth > 1 = HTTP pipelining; responses come back in order).
// Connections are opened lazily, up to `nconns`; a connection the server closes is reopened and
// the requests it had outstanding are reported with status 0 (a POST is never retried).
struct HttpPool {
    struct Conn;
    Loop& loop;
    Target tgt;
    uint32_t src;
    std::string head; // request head prefix after the request line: Host, token, content type
    size_t nconns, depth, max_queue;
    std::function<void(uint32_t tag, int status)> on_done;
    std::vector<std::unique_ptr<Conn>> conns;
    struct Req {
        uint32_t tag;
        std::string bytes;
    };
    std::deque<Req> queue;
    uint64_t opened = 0, skipped = 0, outstanding = 0;

    HttpPool(Loop& l, const Target& t, uint32_t src_ip, const std::string& token, size_t nconns,
             size_t depth, size_t max_queue);
    ~HttpPool();
    // Queue `POST path` with `body`; false (and counted in `skipped`) when the queue is full.
    bool post(uint32_t tag, const std::string& path, const std::string& body);
    void pump();
    size_t inflight() const { return outstanding + queue.size(); }
};

// One Engine.IO v4 long-polling session holding a GET, on one keep-alive connection:
// GET handshake -> POST `40{"token"}` -> GET until `40{...}` (ready) -> then a GET is always
// pending; when it returns a ping `2`, POST `3`, then GET again. Packets in a payload are split on
// the record separator 0x1e. A closed connection is reopened for the next request.
struct PollOpts {
    Target tgt;
    std::string secret;
};
struct PollClient final : Client {
    const PollOpts* opts = nullptr;
    std::string sid, in, out, scratch;
    enum Step : uint8_t { None, OpenGet, ConnPost, ConnGet, HeldGet, PongPost } step = None;
    bool want_pong = false;
    uint32_t gets = 0;

    void start(uint64_t now) override;
    void shutdown(bool polite) override;
    void on_io(uint32_t ev) override;

private:
    void open_conn();
    void request(Step s, bool post, const std::string& body);
    void on_body(std::string_view b);
    void next();
    void close_fd() override;
};

} // namespace lg

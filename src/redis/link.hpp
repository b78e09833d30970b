#pragma once
// What `connection` and `subscriber` share (internal to src/redis): one socket to one Redis
// endpoint, opened with a deadline, read into the RESP reader, written through an outbox, and
// the connect / serve / back off / reconnect loop around it. The two differ only in what they
// do once connected, which they supply by overriding the hooks below.
//
// Threading: as its owners, on its executor's thread only. The owner holds it by shared_ptr and
// spawns run() with that pointer, so the loop keeps it alive.

#include "net/types.hpp"
#include "redis/endpoint.hpp"
#include "redis/options.hpp"
#include "redis/reader.hpp"
#include "redis/reply.hpp"
#include "redis/transport.hpp"

#include <memory>
#include <string>
#include <vector>

namespace senna::redis::detail {

class link {
public:
    link(net::executor ex, endpoint ep, connection_options opts);
    virtual ~link() = default;
    link(const link&) = delete;
    link& operator=(const link&) = delete;

    /** The loop: connect (after a backoff, except the first time), serve until the connection
        fails, log, repeat until stopped. Awaited by the spawned task that owns `self`. */
    static net::awaitable<void> run(std::shared_ptr<link> self);

    net::executor ex_;
    endpoint ep_;
    connection_options opts_;
    std::string where_; // the endpoint, as logs show it
    socket socket_;
    net::tcp::resolver resolver_;
    net::steady_timer backoff_timer_;
    outbox outbox_;
    reader reader_;
    backoff backoff_;
    std::vector<char> read_buffer_;
    /** Where replies go when reply_sink() has no better place: cleared before each one. */
    replies scratch_;
    /** Why the current connection ended: the first failure seen. */
    net::error_code reason_;
    /** Failed attempts of the current outage (for log rate limiting). */
    unsigned failures_ = 0;

protected:
    /** Stopped for good: the loop ends. */
    virtual bool stopped() const noexcept = 0;
    /** An attempt begins (state: connecting). */
    virtual void connecting() = 0;
    /** The handshake succeeded: set up what the connection serves. */
    virtual void opened() = 0;
    /** Serve the open connection until it fails (its loops joined with ||). */
    virtual net::awaitable<void> serve() = 0;
    /** The connection ended (not stopped): fail what waited on it. */
    virtual void closed() = 0;
    /** Still reading: false once the connection failed or stopped. */
    virtual bool reading() const noexcept = 0;
    /** The connection is unusable because of `ec`. */
    virtual void fail(net::error_code ec) = 0;
    /** The owner the next reply is appended to. By default the link's own scratch_, emptied
        first: the reply lives until the next one, so on_reply copies what it keeps. */
    virtual replies& reply_sink() {
        scratch_.clear();
        return scratch_;
    }
    /** One reply, just appended to reply_sink()'s owner; false to stop reading (the hook has
        called fail()). */
    virtual bool on_reply(const reply& r) = 0;
    /** Bytes arrived (before they are parsed). */
    virtual void on_bytes() {}

    /** Reads and parses replies, handing each to on_reply, until reading ends. */
    net::awaitable<void> read_loop();
    /** Writes the outbox until a write fails; then fail() unless reading has ended. */
    net::awaitable<void> write_loop();
    /** Closes and cancels everything of the link; logs `redis_stopped` if it had started. */
    void shut(bool was_running);
    /** A `redis_protocol_error` line. */
    void log_protocol_error(std::string_view what) const;
};

} // namespace senna::redis::detail

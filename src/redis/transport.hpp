#pragma once
// Pieces shared by `connection` and `subscriber` (internal to src/redis): one socket type for
// TCP and unix sockets, connect and login with a deadline, the write side, and the backoff.
// Every coroutine here takes its arguments by reference and must be awaited by the owner of
// the referents (ARCHITECTURE.md, coroutine lifetimes).

#include "net/types.hpp"
#include "redis/endpoint.hpp"
#include "redis/reader.hpp"

#include <boost/asio/generic/stream_protocol.hpp>

#include <chrono>
#include <string>

namespace senna::redis::detail {

using socket = net::asio::generic::stream_protocol::socket;
using clock = std::chrono::steady_clock;

/**
 * Opens `sock` (closed on entry) and connects it to `ep` within `timeout` (error::timeout).
 * For TCP, tries each resolved address in turn and sets TCP_NODELAY and SO_KEEPALIVE.
 */
net::awaitable<net::error_code> connect(socket& sock, net::tcp::resolver& resolver,
                                        const endpoint& ep, clock::duration timeout);

/**
 * Sends `AUTH [user] password` if a password is set, `SELECT db` if db is not 0, then PING, and
 * checks the replies within `timeout`. An error reply gives error::handshake_failed with its
 * text in `why` (Redis never echoes the password in it).
 */
net::awaitable<net::error_code> handshake(socket& sock, reader& rd, const endpoint& ep,
                                          clock::duration timeout, std::string& why);

/**
 * connect() then handshake(), both within `timeout` in all. On failure the socket is closed,
 * the reader reset, and one `redis_connect_failed` line logged (at warn for the first failure of
 * an outage and every 30th, debug otherwise); `failures` counts the attempts of this outage.
 */
net::awaitable<net::error_code> open(socket& sock, net::tcp::resolver& resolver, reader& rd,
                                     const endpoint& ep, clock::duration timeout,
                                     std::string_view name, std::string_view where,
                                     unsigned& failures);

/**
 * Bytes waiting to be written and the writer coroutine's wake-up. Everything pushed while a
 * write is in flight goes out coalesced in the next write.
 */
class outbox {
public:
    explicit outbox(const net::executor& ex) : wake_(ex) {}

    void push(std::string_view bytes);
    void clear() noexcept { buf_.clear(); }
    /** Cancels a pending wait without making the writer think it was woken. */
    void cancel() { wake_.cancel(); }

    /**
     * Writes whatever is pushed until a write fails or the awaiting operation is cancelled
     * (then operation_aborted). Never returns success.
     */
    net::awaitable<net::error_code> write_loop(socket& sock);

private:
    std::string buf_;
    std::string inflight_;
    net::steady_timer wake_;
    bool waiting_ = false;
    bool woken_ = false;
};

/** Reconnect delays: min, then doubling up to max; reset after a successful connect. */
class backoff {
public:
    backoff(clock::duration min, clock::duration max) : min_(min), max_(max), next_(min) {}
    clock::duration next() noexcept;
    void reset() noexcept { next_ = min_; }

private:
    clock::duration min_;
    clock::duration max_;
    clock::duration next_;
};

/** A log field list helper: the error's message, category and value. */
std::string describe_error(const net::error_code& ec);

} // namespace senna::redis::detail

#pragma once
// A pipelined Redis connection for one shard: requests are written in order, coalesced into
// one write while another is in flight, and completed in FIFO order as replies arrive. It
// reconnects by itself (with backoff) and never queues while disconnected: callers get
// error::not_connected at once and decide (degrade, retry, fail the HTTP request).
//
// Threading: not thread-safe. Construct, call and destroy it on its executor's thread (its
// shard). Completions are always posted, never run inside the initiating call.

#include "net/types.hpp"
#include "redis/endpoint.hpp"
#include "redis/error.hpp"
#include "redis/options.hpp"
#include "redis/reply.hpp"
#include "redis/request.hpp"
#include "redis/script.hpp"
#include "redis/stats.hpp"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>

#include <memory>
#include <span>
#include <string_view>
#include <tuple>
#include <vector>

namespace senna::redis {

class connection {
public:
    /** The replies' owner (reply.hpp): views into it live as long as it does. */
    using exec_signature = void(net::error_code, replies);
    /** An owner of the script's one reply (replies::front), of none on failure. */
    using eval_signature = void(net::error_code, replies);
    using exec_handler = net::asio::any_completion_handler<exec_signature>;
    using eval_handler = net::asio::any_completion_handler<eval_signature>;

    connection(net::executor ex, endpoint ep, connection_options opts = {});
    /** Calls stop(). Pending operations complete with error::stopped afterwards. */
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    /** Spawns the connect / serve / reconnect loop. Calling it twice, or after stop(), does
     *  nothing. */
    void start();
    /** Ends the loop for good; every pending request completes with error::stopped. The
     *  internal state is shared with the loop, so the object may be destroyed right after. */
    void stop();
    /** True between a successful handshake and the next failure. */
    bool connected() const noexcept;
    /**
     * A Redis Cluster connection reloads its slot map now (coalesced with a load under way);
     * nothing on one Redis. For what no reply reveals: after a failover a demoted master serves
     * SPUBLISH as a replica (to its own subscribers only) instead of answering MOVED, so a
     * publisher learns of the move from the subscriber that saw it (ADR 0015 §8).
     */
    void refresh_topology();

    const endpoint& where() const noexcept;
    net::executor get_executor() const noexcept;

    /**
     * Sends every command of `req` and completes with one reply per command, in order, or
     * with an error_code and no replies: not_connected (nothing sent), connection_lost (the
     * commands may or may not have run), timeout, too_large, stopped. `req` is copied when the
     * operation is initiated; keep it alive until then (with use_awaitable: until the
     * co_await begins). Cancellation is not supported: a sent command cannot be taken back;
     * command_timeout bounds the wait.
     */
    template <class Token> auto async_exec(const request& req, Token&& token) {
        return net::asio::async_initiate<Token, exec_signature>(
            [](auto handler, std::shared_ptr<impl> i, const request* r) {
                do_exec(*i, *r, exec_handler(std::move(handler)));
            },
            token, impl_, &req);
    }

    /** `co_await exec(req)`: async_exec returning `{ec, replies}`. */
    net::awaitable<std::tuple<net::error_code, replies>> exec(const request& req);

    /**
     * EVALSHA `s` with `keys` and `args`; on a NOSCRIPT error reply (script cache flushed or a
     * fresh server), sends SCRIPT LOAD + EVALSHA once more. Completes with an owner of the
     * script's reply (`.front()`, possibly an error reply) or an error_code as async_exec does. `s`
     * must outlive the operation; `keys` and `args` are copied when it is initiated.
     */
    template <class Token>
    auto async_evalsha(const script& s, std::span<const std::string_view> keys,
                       std::span<const std::string_view> args, Token&& token) {
        return net::asio::async_initiate<Token, eval_signature>(
            [](auto handler, std::shared_ptr<impl> i, const script* sc,
               std::span<const std::string_view> k, std::span<const std::string_view> a) {
                do_evalsha(*i, *sc, k, a, eval_handler(std::move(handler)));
            },
            token, impl_, &s, keys, args);
    }

    /**
     * `co_await evalsha(s, keys, args)`: async_evalsha returning `{ec, replies}` (its reply:
     * `.front()`). Spans, not initializer lists: GCC 12 rejects a braced list inside a co_await
     * expression, so build the keys first (`std::array<std::string_view, 2> keys{a, b};`).
     */
    net::awaitable<std::tuple<net::error_code, replies>>
    evalsha(const script& s, std::span<const std::string_view> keys = {},
            std::span<const std::string_view> args = {});

    struct impl;

private:
    static void do_exec(impl& i, const request& req, exec_handler handler);
    static void do_evalsha(impl& i, const script& s, std::span<const std::string_view> keys,
                           std::span<const std::string_view> args, eval_handler handler);

    std::shared_ptr<impl> impl_;
};

} // namespace senna::redis

#include "redis/connection.hpp"

#include "net/spawn.hpp"
#include "redis/cluster.hpp"
#include "redis/link.hpp"
#include "util/log.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>

#include <array>
#include <deque>

namespace senna::redis {

namespace asio = net::asio;
using namespace boost::asio::experimental::awaitable_operators;
using detail::clock;

namespace {

// cluster: the endpoint names a Redis Cluster; requests go to cluster_router (ADR 0013) and
// the link itself never opens.
enum class conn_state { idle, connecting, connected, stopped, cluster };

/** One request awaiting its replies. Requests are written in the order they are queued, so
 *  the replies of the front one always come first. */
struct pending {
    pending(std::size_t commands, connection::exec_handler h)
        : expected(commands), handler(std::move(h)), queued(clock::now()) {
        replies.reserve(commands);
    }
    pending(pending&&) = default;
    // Boost 1.81's any_completion_handler move assignment recurses until the stack overflows
    // (it wraps itself); only ever move-construct a handler.
    pending& operator=(pending&&) = delete;

    std::size_t expected = 0;
    std::size_t error_replies = 0;
    /** The replies so far: the reader appends to the front request's (reply_sink). */
    redis::replies replies;
    connection::exec_handler handler;
    clock::time_point queued;
};

std::uint64_t micros_since(clock::time_point t) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - t).count();
    return us < 0 ? 0 : static_cast<std::uint64_t>(us);
}

/**
 * Runs `h(args...)` later (never inside the initiating call) through `ex`, on the handler's
 * associated executor: asio::post does the executor hand-off and work tracking.
 */
template <class Handler, class... Args>
void post_handler(const net::executor& ex, Handler h, Args&&... args) {
    asio::post(ex, asio::append(std::move(h), std::forward<Args>(args)...));
}

} // namespace

struct connection::impl : detail::link, std::enable_shared_from_this<impl> {
    impl(net::executor ex, endpoint ep, connection_options opts)
        : link(std::move(ex), std::move(ep), std::move(opts)), watchdog_(ex_) {
        if (ep_.cluster()) {
            cluster_ = std::make_shared<detail::cluster_router>(ex_, ep_, opts_);
            state_ = conn_state::cluster;
        }
    }

    net::steady_timer watchdog_;
    std::deque<pending> pending_;
    std::size_t pending_commands_ = 0;
    conn_state state_ = conn_state::idle;
    /** Set in cluster mode only. */
    std::shared_ptr<detail::cluster_router> cluster_;
    /** When the last reply arrived: a long pipeline that is being answered is not stalled. */
    clock::time_point last_reply_{};

    void count(std::size_t commands, std::size_t errors) {
        if (opts_.metrics != nullptr) {
            opts_.metrics->commands.inc(commands);
            opts_.metrics->errors.inc(errors);
        }
    }

    void exec(std::string_view payload, std::size_t commands, exec_handler handler) {
        net::error_code ec;
        if (state_ != conn_state::connected) {
            // Off the single-Redis path's hot branch: one Redis pays nothing for the cluster.
            if (state_ == conn_state::cluster) {
                cluster_->exec(payload, commands, std::move(handler));
                return;
            }
            ec = state_ == conn_state::stopped ? error::stopped : error::not_connected;
        } else if (pending_commands_ + commands > opts_.max_pending)
            ec = error::too_large;
        if (ec || commands == 0) {
            count(commands, ec ? commands : 0);
            post_handler(ex_, std::move(handler), ec, replies());
            return;
        }
        outbox_.push(payload);
        pending_.emplace_back(commands, std::move(handler));
        pending_commands_ += commands;
    }

    void complete(pending& p, net::error_code ec) {
        if (opts_.metrics != nullptr) {
            count(p.expected, ec ? p.expected : p.error_replies);
            opts_.metrics->latency.observe_us(micros_since(p.queued));
        }
        if (ec)
            p.replies = replies();
        post_handler(ex_, std::move(p.handler), ec, std::move(p.replies));
    }

    void fail_all(net::error_code ec) {
        std::deque<pending> failed;
        failed.swap(pending_);
        pending_commands_ = 0;
        for (pending& p : failed)
            complete(p, ec);
    }

    /** One reply, already appended to the front request's replies (reply_sink); false if
     *  nobody asked for it. */
    bool deliver(const reply& r) {
        if (pending_.empty())
            return false;
        last_reply_ = clock::now();
        pending& front = pending_.front();
        if (r.is_error()) {
            ++front.error_replies;
            if (opts_.metrics != nullptr)
                opts_.metrics->error_reply(r.error_kind());
        }
        if (front.replies.size() == front.expected) {
            pending done = std::move(front);
            pending_.pop_front();
            pending_commands_ -= done.expected;
            complete(done, {});
        }
        return true;
    }

    /** The connection is unusable: new requests fail at once, in-flight ones right now. */
    void lost(net::error_code ec) {
        if (!reason_)
            reason_ = ec;
        if (state_ == conn_state::connected)
            state_ = conn_state::connecting;
        fail_all(ec == error::timeout ? net::error_code(error::timeout)
                                      : net::error_code(error::connection_lost));
    }

    // --- the link's hooks

    bool stopped() const noexcept override { return state_ == conn_state::stopped; }
    void connecting() override { state_ = conn_state::connecting; }

    void opened() override {
        state_ = conn_state::connected;
        last_reply_ = clock::now();
        failures_ = 0;
        backoff_.reset();
        log::info("redis_connected", {{"name", opts_.name}, {"endpoint", where_}});
    }

    net::awaitable<void> serve() override { co_await (read_loop() || write_loop() || watchdog()); }

    void closed() override { lost(error::connection_lost); }
    bool reading() const noexcept override { return state_ == conn_state::connected; }
    void fail(net::error_code ec) override { lost(ec); }

    replies& reply_sink() override {
        return pending_.empty() ? link::reply_sink() : pending_.front().replies;
    }

    bool on_reply(const reply& r) override {
        if (deliver(r))
            return true;
        log_protocol_error("reply without a request");
        lost(error::protocol_error);
        return false;
    }

    /**
     * Fails everything with error::timeout when the front request has seen no reply for
     * command_timeout, counted from when it was queued or from the last reply, whichever is
     * later (a huge pipeline being answered is slow, not stalled).
     */
    net::awaitable<void> watchdog() {
        const auto timeout = opts_.command_timeout;
        for (;;) {
            // Deadlines only move later, so waking at an old one just means sleeping again.
            if (timeout.count() <= 0)
                watchdog_.expires_at(net::steady_timer::time_point::max());
            else if (pending_.empty())
                watchdog_.expires_after(timeout);
            else
                watchdog_.expires_at(front_deadline());
            auto [ec] = co_await watchdog_.async_wait(net::use_tuple);
            if (ec || state_ != conn_state::connected)
                co_return;
            if (!pending_.empty() && clock::now() >= front_deadline()) {
                log::warn(
                    "redis_timeout",
                    {{"name", opts_.name}, {"endpoint", where_}, {"pending", pending_commands_}});
                lost(error::timeout);
                co_return;
            }
        }
    }

    clock::time_point front_deadline() const {
        return std::max(pending_.front().queued, last_reply_) + opts_.command_timeout;
    }

    void stop() {
        if (state_ == conn_state::stopped)
            return;
        if (cluster_) {
            state_ = conn_state::stopped;
            cluster_->stop();
            return;
        }
        bool was_running = state_ != conn_state::idle;
        state_ = conn_state::stopped;
        watchdog_.cancel();
        fail_all(error::stopped);
        shut(was_running);
    }
};

connection::connection(net::executor ex, endpoint ep, connection_options opts)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(ep), std::move(opts))) {}

connection::~connection() {
    if (impl_)
        impl_->stop();
}

void connection::start() {
    if (impl_->state_ == conn_state::cluster)
        impl_->cluster_->start();
    if (impl_->state_ != conn_state::idle)
        return;
    impl_->state_ = conn_state::connecting;
    net::spawn(impl_->ex_, detail::link::run(impl_), "redis_connection " + impl_->opts_.name);
}

void connection::stop() {
    impl_->stop();
}

bool connection::connected() const noexcept {
    if (impl_->state_ == conn_state::cluster)
        return impl_->cluster_->connected();
    return impl_->state_ == conn_state::connected;
}

void connection::refresh_topology() {
    if (impl_->state_ == conn_state::cluster && impl_->cluster_)
        impl_->cluster_->refresh();
}

const endpoint& connection::where() const noexcept {
    return impl_->ep_;
}

net::executor connection::get_executor() const noexcept {
    return impl_->ex_;
}

void connection::do_exec(impl& i, const request& req, exec_handler handler) {
    i.exec(req.payload(), req.size(), std::move(handler));
}

namespace {

struct evalsha_op {
    std::shared_ptr<connection::impl> self;
    const script* s;
    request req;
    connection::eval_handler handler;

    void finish(net::error_code ec, replies r) {
        auto ex = asio::get_associated_executor(handler, self->ex_);
        // Already inside a posted completion, so running the handler inline keeps FIFO order.
        asio::dispatch(ex, [h = std::move(handler), ec, r = std::move(r)]() mutable {
            std::move(h)(ec, std::move(r));
        });
    }
};

} // namespace

void connection::do_evalsha(impl& i, const script& s, std::span<const std::string_view> keys,
                            std::span<const std::string_view> args, eval_handler handler) {
    auto op = std::make_shared<evalsha_op>(
        evalsha_op{i.shared_from_this(), &s, request(), std::move(handler)});
    const std::string numkeys = std::to_string(keys.size());
    const std::array<std::string_view, 2> head{s.sha1(), numkeys};
    op->req.push_spans("EVALSHA", {head, keys, args}); // the bytes reserved once

    i.exec(op->req.payload(), 1, asio::bind_executor(i.ex_, [op](net::error_code ec, replies got) {
               if (ec || got.size() != 1) {
                   op->finish(ec, replies());
                   return;
               }
               if (!got[0].is_error_code("NOSCRIPT")) {
                   op->finish(ec, std::move(got));
                   return;
               }
               // The server lost the script (restart, SCRIPT FLUSH): load it and run it again,
               // once, in one round trip.
               request retry;
               retry.push("SCRIPT", "LOAD", op->s->body());
               retry.append(op->req);
               op->self->exec(
                   retry.payload(), retry.size(),
                   asio::bind_executor(op->self->ex_, [op](net::error_code ec2, replies r2) {
                       replies one;
                       if (!ec2 && r2.size() == 2)
                           one.push(r2[0].is_error() ? r2[0] : r2[1]);
                       op->finish(ec2, std::move(one));
                   }));
           }));
}

net::awaitable<std::tuple<net::error_code, replies>> connection::exec(const request& req) {
    co_return co_await async_exec(req, net::use_tuple);
}

net::awaitable<std::tuple<net::error_code, replies>>
connection::evalsha(const script& s, std::span<const std::string_view> keys,
                    std::span<const std::string_view> args) {
    co_return co_await async_evalsha(s, keys, args, net::use_tuple);
}

} // namespace senna::redis

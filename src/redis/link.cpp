#include "redis/link.hpp"

#include "redis/error.hpp"
#include "redis/stats.hpp"
#include "util/log.hpp"

namespace senna::redis::detail {

namespace asio = net::asio;

namespace {

/** What read_loop feeds the reader at a time (see there). */
constexpr std::size_t feed_slice = 1024;

} // namespace

link::link(net::executor ex, endpoint ep, connection_options opts)
    : ex_(std::move(ex)), ep_(std::move(ep)), opts_(std::move(opts)), where_(describe(ep_)),
      socket_(ex_), resolver_(ex_), backoff_timer_(ex_), outbox_(ex_), reader_(opts_.limits),
      backoff_(opts_.reconnect_min, opts_.reconnect_max), read_buffer_(64 * 1024) {}

net::awaitable<void> link::run(std::shared_ptr<link> self) {
    link& l = *self;
    bool first = true;
    while (!l.stopped()) {
        if (!first) {
            l.backoff_timer_.expires_after(l.backoff_.next());
            co_await l.backoff_timer_.async_wait(net::use_tuple);
            if (l.stopped())
                break;
        }
        first = false;
        l.connecting();
        net::error_code ec =
            co_await detail::open(l.socket_, l.resolver_, l.reader_, l.ep_, l.opts_.connect_timeout,
                                  l.opts_.name, l.where_, l.failures_);
        if (ec)
            continue;
        if (l.stopped())
            break;

        l.reason_ = {};
        l.opened();
        co_await l.serve();

        net::error_code ignored;
        l.socket_.close(ignored);
        l.outbox_.clear();
        l.reader_.reset();
        if (l.stopped())
            break;
        l.closed();
        if (l.opts_.metrics != nullptr)
            l.opts_.metrics->reconnects.inc();
        log::warn(
            "redis_disconnected",
            {{"name", l.opts_.name}, {"endpoint", l.where_}, {"error", describe_error(l.reason_)}});
    }
}

net::awaitable<void> link::read_loop() {
    for (;;) {
        auto [ec, n] = co_await socket_.async_read_some(asio::buffer(read_buffer_), net::use_tuple);
        if (!reading())
            co_return;
        if (ec) {
            fail(ec);
            co_return;
        }
        on_bytes();
        // Fed in slices, each drained before the next: once hiredis has consumed 1 KiB of its
        // buffer it moves the rest to the front after every reply, which over a whole read of
        // many replies moves most of it once per reply.
        std::string_view rest(read_buffer_.data(), n);
        while (!rest.empty()) {
            const std::string_view slice = rest.substr(0, feed_slice);
            rest.remove_prefix(slice.size());
            reader_.feed(slice);
            for (;;) {
                replies& sink = reply_sink();
                auto next = reader_.next(sink);
                if (!next) {
                    log_protocol_error(reader_.last_error());
                    fail(next.error());
                    co_return;
                }
                if (!*next)
                    break;
                if (!on_reply(sink.back()))
                    co_return;
            }
        }
    }
}

net::awaitable<void> link::write_loop() {
    net::error_code ec = co_await outbox_.write_loop(socket_);
    if (reading())
        fail(ec);
}

void link::shut(bool was_running) {
    net::error_code ignored;
    socket_.close(ignored);
    resolver_.cancel();
    backoff_timer_.cancel();
    outbox_.cancel();
    if (was_running)
        log::info("redis_stopped", {{"name", opts_.name}, {"endpoint", where_}});
}

void link::log_protocol_error(std::string_view what) const {
    log::error("redis_protocol_error",
               {{"name", opts_.name}, {"endpoint", where_}, {"error", std::string(what)}});
}

} // namespace senna::redis::detail

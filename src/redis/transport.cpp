#include "redis/transport.hpp"

#include "redis/error.hpp"
#include "redis/request.hpp"
#include "util/log.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <sys/un.h>

namespace senna::redis::detail {

namespace {

namespace asio = net::asio;
using namespace boost::asio::experimental::awaitable_operators;
using generic_endpoint = asio::generic::stream_protocol::endpoint;

net::awaitable<net::error_code> connect_unbounded(socket& sock, net::tcp::resolver& resolver,
                                                  const endpoint& ep) {
    net::error_code ec;
    net::error_code ignored;
    if (ep.kind == endpoint::transport::unix_socket) {
        // asio::local::basic_endpoint throws on an over-long path; refuse it here instead.
        if (ep.path.size() >= sizeof(sockaddr_un{}.sun_path))
            co_return make_error_code(boost::system::errc::filename_too_long);
        generic_endpoint target{net::unix_socket::endpoint(ep.path)};
        sock.open(target.protocol(), ec);
        if (ec)
            co_return ec;
        auto [cec] = co_await sock.async_connect(target, net::use_tuple);
        co_return cec;
    }

    auto [rec, results] =
        co_await resolver.async_resolve(ep.host, std::to_string(ep.port), net::use_tuple);
    if (rec)
        co_return rec;
    net::error_code last = asio::error::host_not_found;
    for (const auto& entry : results) {
        generic_endpoint target{entry.endpoint()};
        sock.close(ignored);
        sock.open(target.protocol(), ec);
        if (ec) {
            last = ec;
            continue;
        }
        auto [cec] = co_await sock.async_connect(target, net::use_tuple);
        if (!cec) {
            // Small requests must not wait for Nagle; keepalive finds peers that vanished.
            sock.set_option(net::tcp::no_delay(true), ignored);
            sock.set_option(asio::socket_base::keep_alive(true), ignored);
            co_return net::error_code();
        }
        last = cec;
        if (cec == asio::error::operation_aborted)
            break;
    }
    sock.close(ignored);
    co_return last;
}

net::awaitable<net::error_code> handshake_unbounded(socket& sock, reader& rd, const endpoint& ep,
                                                    std::string& why) {
    request req;
    if (!ep.password.empty()) {
        if (ep.username.empty())
            req.push("AUTH", ep.password);
        else
            req.push("AUTH", ep.username, ep.password);
    }
    if (ep.db != 0)
        req.push("SELECT", ep.db);
    // PING proves the server answers: a stopped (SIGSTOP) Redis still completes TCP handshakes.
    req.push("PING");

    auto [wec, written] =
        co_await asio::async_write(sock, asio::buffer(req.payload()), net::use_tuple);
    if (wec)
        co_return wec;

    std::array<char, 4096> buf;
    replies answers;
    std::size_t got = 0;
    bool failed = false;
    while (got < req.size()) {
        auto [rec, n] = co_await sock.async_read_some(asio::buffer(buf), net::use_tuple);
        if (rec)
            co_return rec;
        rd.feed(std::string_view(buf.data(), n));
        for (;;) {
            auto next = rd.next(answers);
            if (!next)
                co_return next.error();
            if (!*next)
                break;
            ++got;
            if (answers.back().is_error() && !failed) {
                failed = true;
                why = answers.back().as_string();
            }
        }
    }
    if (got != req.size())
        co_return make_error_code(error::protocol_error);
    co_return failed ? make_error_code(error::handshake_failed) : net::error_code();
}

} // namespace

net::awaitable<net::error_code> connect(socket& sock, net::tcp::resolver& resolver,
                                        const endpoint& ep, clock::duration timeout) {
    net::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_after(timeout);
    auto result =
        co_await (connect_unbounded(sock, resolver, ep) || timer.async_wait(net::use_tuple));
    if (result.index() == 1) {
        net::error_code ignored;
        sock.close(ignored);
        co_return make_error_code(error::timeout);
    }
    co_return std::get<0>(result);
}

net::awaitable<net::error_code> handshake(socket& sock, reader& rd, const endpoint& ep,
                                          clock::duration timeout, std::string& why) {
    net::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_after(timeout);
    auto result =
        co_await (handshake_unbounded(sock, rd, ep, why) || timer.async_wait(net::use_tuple));
    if (result.index() == 1)
        co_return make_error_code(error::timeout);
    co_return std::get<0>(result);
}

void outbox::push(std::string_view bytes) {
    buf_.append(bytes);
    if (waiting_ && !woken_) {
        woken_ = true;
        wake_.cancel();
    }
}

net::awaitable<net::error_code> outbox::write_loop(socket& sock) {
    for (;;) {
        if (buf_.empty()) {
            wake_.expires_at(net::steady_timer::time_point::max());
            waiting_ = true;
            woken_ = false;
            co_await wake_.async_wait(net::use_tuple);
            waiting_ = false;
            auto cs = co_await asio::this_coro::cancellation_state;
            // Only push() sets woken_; any other end of the wait is a cancellation.
            if (!woken_ || cs.cancelled() != asio::cancellation_type::none)
                co_return asio::error::operation_aborted;
            woken_ = false;
            continue;
        }
        inflight_.clear();
        inflight_.swap(buf_);
        auto [ec, n] = co_await asio::async_write(sock, asio::buffer(inflight_), net::use_tuple);
        if (ec)
            co_return ec;
    }
}

clock::duration backoff::next() noexcept {
    clock::duration now = next_;
    next_ = std::min(next_ * 2, max_);
    return now;
}

std::string describe_error(const net::error_code& ec) {
    return std::string(ec.category().name()) + ":" + std::to_string(ec.value()) + " " +
           ec.message();
}

net::awaitable<net::error_code> open(socket& sock, net::tcp::resolver& resolver, reader& rd,
                                     const endpoint& ep, clock::duration timeout,
                                     std::string_view name, std::string_view where,
                                     unsigned& failures) {
    auto deadline = clock::now() + timeout;
    std::string why;
    net::error_code ec = co_await connect(sock, resolver, ep, timeout);
    if (!ec) {
        auto left = std::max(deadline - clock::now(), clock::duration::zero());
        ec = co_await handshake(sock, rd, ep, left, why);
    }
    if (!ec)
        co_return ec;
    net::error_code ignored;
    sock.close(ignored);
    rd.reset();
    ++failures;
    // Logged once per outage (and every 30th attempt), not at every backoff step.
    auto level = failures == 1 || failures % 30 == 0 ? log::level::warn : log::level::debug;
    if (log::enabled(level))
        log::write(level, "redis_connect_failed",
                   {{"name", name},
                    {"endpoint", where},
                    {"attempt", failures},
                    {"error", describe_error(ec)},
                    {"reply", why}});
    co_return ec;
}

} // namespace senna::redis::detail

#include "http/server.hpp"

#include "net/spawn.hpp"
#include "util/log.hpp"

#include <boost/asio/detail/socket_option.hpp>
#include <boost/asio/ip/v6_only.hpp>

#include <sys/socket.h>
#include <system_error>

namespace senna::http {

namespace {
using reuse_port = net::asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
}

bool port_taken(const net::tcp::endpoint& ep) {
    if (ep.port() == 0)
        return false;
    net::asio::io_context ioc;
    net::tcp::acceptor probe(ioc);
    probe.open(ep.protocol());
    probe.set_option(net::tcp::acceptor::reuse_address(true));
    if (ep.address().is_v6())
        probe.set_option(net::asio::ip::v6_only(true));
    net::error_code ec;
    probe.bind(ep, ec);
    if (ec == net::asio::error::address_in_use)
        return true;
    if (ec)
        throw std::system_error(ec);
    return false;
}

server::server(net::asio::io_context& ioc, session_env env, std::size_t max_connections)
    : ioc_(ioc), env_(env), max_connections_(max_connections) {}

std::uint16_t server::listen(const net::tcp::endpoint& ep) {
    auto& a = acceptors_.emplace_back(ioc_);
    a.open(ep.protocol());
    a.set_option(net::tcp::acceptor::reuse_address(true));
    a.set_option(reuse_port(true));
    if (ep.address().is_v6())
        a.set_option(net::asio::ip::v6_only(true));
    a.bind(ep);
    a.listen(net::asio::socket_base::max_listen_connections);
    return a.local_endpoint().port();
}

void server::start() {
    for (auto& a : acceptors_)
        net::spawn(ioc_.get_executor(), accept_loop(a), "http_accept");
}

net::awaitable<void> server::accept_loop(net::tcp::acceptor& acceptor) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(net::use_tuple);
        if (draining_ || !acceptor.is_open())
            co_return;
        if (ec) {
            // Out of file descriptors and the like: back off instead of spinning.
            log::warn("accept_failed", {{"error", ec.message()}});
            net::steady_timer t(ioc_, std::chrono::milliseconds(50));
            co_await t.async_wait(net::use_tuple);
            continue;
        }
        if (static_cast<std::size_t>(env_.metrics.open_connections()) >= max_connections_) {
            env_.metrics.connection_refused();
            util::metrics::count(env_.settings.refusals, util::metrics::refusal::connection_limit);
            net::error_code ignored;
            socket.close(ignored);
            continue;
        }
        net::error_code ignored;
        socket.set_option(net::tcp::no_delay(true), ignored);
        net::spawn(ioc_.get_executor(), session(std::move(socket), false), "http_session");
    }
}

void server::adopt(net::tcp::socket socket) {
    net::spawn(ioc_.get_executor(), session(std::move(socket), true), "http_session");
}

net::awaitable<void> server::session(net::tcp::socket socket, bool counted) {
    session_state state;
    sessions_.push_front(&state);
    auto self = sessions_.begin();
    if (!counted)
        env_.metrics.connection_opened();
    // Runs on every exit path, exceptions included.
    struct unregister {
        server* s;
        std::list<session_state*>::iterator it;
        session_state* state;
        ~unregister() {
            s->sessions_.erase(it);
            if (!state->handed_over)
                s->env_.metrics.connection_closed();
        }
    } guard{this, self, &state};
    if (draining_)
        state.closing = true;
    co_await run_session(beast::tcp_stream(std::move(socket)), env_, state);
}

void server::drain() {
    draining_ = true;
    for (auto& a : acceptors_) {
        net::error_code ec;
        a.close(ec);
    }
    for (session_state* s : sessions_) {
        s->closing = true;
        if (s->idle && s->stream)
            s->stream->cancel();
    }
}

void server::close_all() {
    for (session_state* s : sessions_) {
        s->closing = true;
        if (s->stream)
            s->stream->close();
    }
}

} // namespace senna::http

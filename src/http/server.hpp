#pragma once
// The HTTP side of one shard: its listening sockets (SO_REUSEPORT, so every shard accepts on
// the same port and the kernel spreads connections), its sessions, and their shutdown.
// Every member function runs on the shard's io_context thread.

#include "http/session.hpp"

#include <boost/asio/io_context.hpp>

#include <list>
#include <memory>

namespace senna::http {

/**
 * True when another socket already listens on `ep` (address and port; port 0 never is).
 * SO_REUSEPORT, which lets the shards of one process share a port, also lets a second process
 * of the same user join a listening port silently and take part of its connections: this binds
 * a probe *without* SO_REUSEPORT (with SO_REUSEADDR, so that connections in TIME_WAIT do not
 * count), which the kernel refuses exactly when something listens there. Call it before this
 * process's own listeners bind. Throws on other bind failures (no such address, ...).
 */
bool port_taken(const net::tcp::endpoint& ep);

class server {
public:
    /** `max_connections` is per instance: every shard checks `metrics.open_connections()`. */
    server(net::asio::io_context& ioc, session_env env, std::size_t max_connections);
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /** Binds and listens on `ep` with SO_REUSEPORT; returns the bound port. Throws on failure. */
    std::uint16_t listen(const net::tcp::endpoint& ep);

    /** Starts accepting on every listening socket. */
    void start();

    /** Graceful stop, step 1: close the listening sockets, close idle connections, and let
     *  busy ones finish the request in hand (answered with Connection: close). */
    void drain();

    /** Graceful stop, step 2 (after the drain deadline): cut every remaining connection. */
    void close_all();

    std::size_t session_count() const { return sessions_.size(); }

    /** Serves a connection that a handler took over (parked_connection) and answered: its
        next request, on this shard. It is still counted as open (it never stopped). Any
        thread's socket descriptor may come here, re-made on this io_context by the caller. */
    void adopt(net::tcp::socket socket);

private:
    net::awaitable<void> accept_loop(net::tcp::acceptor& acceptor);
    net::awaitable<void> session(net::tcp::socket socket, bool counted);

    net::asio::io_context& ioc_;
    session_env env_;
    std::size_t max_connections_;
    std::list<net::tcp::acceptor> acceptors_;
    std::list<session_state*> sessions_;
    bool draining_ = false;
};

} // namespace senna::http

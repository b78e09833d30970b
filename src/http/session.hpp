#pragma once
// One HTTP/1.1 connection: the keep-alive loop of read (limits, deadlines) -> route -> write.
// Requests are answered one at a time, in order, so pipelined requests get their responses in
// the order they were sent (the unread ones wait in the read buffer).

#include "http/cors.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "net/types.hpp"
#include "util/metrics.hpp"

#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace senna::http {

struct session_settings {
    std::size_t header_limit = 16 * 1024;
    std::size_t body_limit = 1024 * 1024;
    std::chrono::milliseconds request_timeout{10000};
    std::chrono::milliseconds idle_timeout{30000};
    std::chrono::milliseconds write_timeout{10000};
    bool access_log = true;
    /** Where refusals are counted (431, 413, connections past the limit); may be null. */
    util::metrics::refusals* refusals = nullptr;
};

/**
 * Takes over a connection whose request asks to switch protocols (a GET with `Upgrade:
 * websocket`) on a path under the route's prefix: the handler owns the stream from then on and
 * answers the request itself (101 or an error). The http module only hands the connection over;
 * what runs on it (Engine.IO) is the layer above's business. The connection stays counted in
 * the metrics until the handler releases it.
 */
/* It is handed the bare socket and returns at once: no frame of the HTTP layer stays
 * suspended behind an upgraded connection. The connection stays counted in the metrics until
 * the handler calls `release` (once, when the socket is closed). */
using upgrade_handler = std::function<void(net::tcp::socket socket, request req, std::string remote,
                                           std::function<void()> release)>;

struct upgrade_route {
    std::string prefix; // "/socket.io/": matches paths starting with it (or equal to it sans '/')
    upgrade_handler fn;
};

/** What every session of a shard shares; owned by the shard's server, outlives its sessions. */
struct session_env {
    const router& routes;
    const cors_policy& cors;
    request_metrics& metrics;
    session_settings settings;
    std::vector<upgrade_route> upgrades;
};

/** A session's handle in its server's registry, so shutdown can reach it. Shard-local. */
struct session_state {
    beast::tcp_stream* stream = nullptr;
    bool idle = false;        // waiting for the first byte of the next request
    bool closing = false;     // finish the request in hand, then close
    bool handed_over = false; // an upgrade took the connection (and its place in the count)
};

/** What a handler may know of the connection its request came on. */
struct connection_info {
    int fd = -1;
    bool can_park = false; // no byte of a next request is buffered
};

/** Runs one connection to its end. `state` must stay valid until the coroutine returns. */
net::awaitable<void> run_session(beast::tcp_stream stream, session_env& env, session_state& state);

/** Routes one parsed request (CORS, 404/405, handler errors -> 500). Exposed for tests.
    `drop` is set when the handler asked for the connection to be closed unanswered. */
net::awaitable<response> dispatch(const request& req, session_env& env, std::string remote,
                                  std::size_t& route_index, std::string& user, int fd, bool& drop);

} // namespace senna::http

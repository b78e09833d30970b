#pragma once
// The Engine.IO server of one shard: the session table, the handshake, the protocol's HTTP
// errors, and the hand-off of requests that belong to another shard.
//
// Routing (done by the layer above): polling GET/POST of `settings::path` go to
// handle_request (an http::router handler), WebSocket upgrades of the same path to
// handle_upgrade (an http::upgrade_route). Either may arrive on any shard.
//
// Sharding: a sid starts with two characters that name its shard. A request for a sid owned
// by another shard is handed to the owner (asio::co_spawn onto its executor, awaited here);
// an upgrade posts the socket's file descriptor to the owner, which makes it a
// websocket::connection of its own io_context. The owner is the only thread that touches the
// session. An upgrade is served without any coroutine: the 101 response is queued on the new
// connection and written with its first frames.
//
// Errors answered as the reference server does, HTTP 400 (403 for code 4) with
// {"code":N,"message":...}: 0 Transport unknown, 1 Session ID unknown, 2 Bad handshake method,
// 3 Bad request, 4 Forbidden, 5 Unsupported protocol version.

#include "engineio/address_limit.hpp"
#include "engineio/session.hpp"
#include "http/router.hpp"
#include "util/address.hpp"
#include "util/metrics.hpp"
#include "websocket/connection.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace senna::engineio {

struct settings {
    /** Path prefix the server answers, for the CORS and logs only (routing is the caller's). */
    std::string path = "/socket.io/";
    std::chrono::milliseconds ping_interval{25000};
    std::chrono::milliseconds ping_timeout{20000};
    /** Largest message (WebSocket) or POST body (polling) a client may send. */
    std::size_t max_payload = 1'000'000;
    /** Most packets queued for one client before it is a slow consumer. */
    std::size_t outbox_limit = 1024;
    /** How long a WebSocket probe may take to send the upgrade packet. */
    std::chrono::milliseconds upgrade_timeout{10000};
    /** How long a WebSocket write may wait for room in the socket buffer. */
    std::chrono::milliseconds write_timeout{10000};
    /** How long the server waits for the client's close frame after its own (RFC 6455 7.1.1
        lets it drop TCP then): bounds shutdown with clients that never answer. */
    std::chrono::milliseconds close_timeout{1000};
    /** Pause between two WebSocket frames written back to back. 0 (the default) in senna;
        the protocol test suites' WebSocket shim (ws 8.5, synchronous 'message' events) drops
        a frame that arrives in the same TCP read as the one it is waiting for
        (socket.io-protocol issue #32), so their conformance program sets a little. */
    std::chrono::microseconds frame_gap{0};
    /** Accept EIO=3 (socket.io-client 1.x/2.x). */
    bool allow_eio3 = true;
    /** Origins for polling CORS (credentials allowed: the Origin is echoed); "*" = any. */
    std::vector<std::string> cors_origins{"*"};
    /** Proxies whose X-Forwarded-For names the client (handshake_request::remote). */
    std::vector<util::cidr> trusted_proxies;
    /** Sessions per client address (shared by the shards; null: no limit). */
    address_limit* per_address = nullptr;
    /** Where refusals are counted (per-address limit, oversized polling bodies); may be null. */
    util::metrics::refusals* refusals = nullptr;
};

/** Open sessions by transport, for every shard of an instance (relaxed atomics). */
class metrics {
public:
    void opened(transport_kind t) noexcept { gauge(t).fetch_add(1, std::memory_order_relaxed); }
    void closed(transport_kind t) noexcept { gauge(t).fetch_sub(1, std::memory_order_relaxed); }
    void upgraded() noexcept {
        closed(transport_kind::polling);
        opened(transport_kind::websocket);
        upgrades_.inc();
    }
    void handshake() noexcept { handshakes_.inc(); }
    void slow_consumer() noexcept { slow_consumers_.inc(); }
    std::int64_t open(transport_kind t) const noexcept {
        return const_cast<metrics*>(this)->gauge(t).load(std::memory_order_relaxed);
    }
    /** Prometheus text: senna_engineio_sessions{transport=...} and counters. */
    void render(std::string& out) const;

private:
    std::atomic<std::int64_t>& gauge(transport_kind t) noexcept {
        return t == transport_kind::polling ? polling_ : websocket_;
    }
    std::atomic<std::int64_t> polling_{0};
    std::atomic<std::int64_t> websocket_{0};
    util::metrics::counter handshakes_;
    util::metrics::counter upgrades_;
    util::metrics::counter slow_consumers_;
};

class server {
public:
    /** `shard` is this server's index among `peers` (set_peers); `m` may be shared by shards;
        `ws` is the shard's WebSocket context (its io_context, timer wheel and read buffer). */
    server(websocket::shard_context& ws, settings s, metrics& m, unsigned shard = 0);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /** Every shard's server for the same path, indexed by shard; call before serving. Without
        it the server is alone (sids of other shards are unknown). */
    void set_peers(std::vector<server*> peers) { peers_ = std::move(peers); }

    /** Takes back a parked poll's connection once it is answered (http::server::adopt of
        this shard); unset: such a connection is closed after its answer. */
    std::function<void(net::tcp::socket)> adopt;

    /** Called on the owning shard when a session opens, before its first packet is read;
        typically sets a session_handler. */
    std::function<void(const std::shared_ptr<session>&)> on_connection;

    /** Polling GET/POST (and the handshake); any shard. */
    net::awaitable<http::response> handle_request(http::request_context& ctx);
    /** A WebSocket upgrade request; any shard. Returns at once; `release` runs once the
        connection is closed. */
    void handle_upgrade(net::tcp::socket socket, http::request req, std::string remote,
                        std::function<void()> release);

    /** Closes every session ("server shutting down"): WebSockets get a close frame after what
        is queued (and at most close_timeout for the answer), pending polls are cut unanswered;
        with `immediate` everything is cut at once. */
    void close_all(bool immediate = false);

    std::size_t session_count() const noexcept { return sessions_.size(); }
    std::shared_ptr<session> find(std::string_view sid) const;
    const settings& config() const noexcept { return settings_; }
    net::executor executor() const { return ex_; }
    net::timer_wheel& wheel() noexcept { return ws_.wheel(); }
    net::asio::io_context& context() noexcept { return ws_.context(); }
    unsigned shard() const noexcept { return shard_; }

    // --- for session ---
    metrics& stats() noexcept { return metrics_; }
    void forget(const std::string& sid);
    void announce(const std::shared_ptr<session>& s);
    /** CORS headers of a polling response (credentials allowed). */
    void apply_cors(const http::request& req, http::response& res) const;
    /** The same from the request's Origin header alone (nullopt: none). */
    void apply_cors(const std::optional<std::string>& origin, http::response& res) const;

    /** handle_request's second half, on the session's owner (the request was copied over). */
    net::awaitable<http::response> handle_request_on_owner(http::request req, std::string remote,
                                                           int fd, bool can_park);

private:
    net::awaitable<http::response> handle_local(const http::request& req, std::string remote,
                                                int fd, bool can_park);
    void upgrade_here(int fd, bool v6, http::request req, std::string remote,
                      std::function<void()> release);
    std::string new_sid();
    std::shared_ptr<session> create(transport_kind t, handshake_request hr, version v, bool b64,
                                    std::unique_ptr<address_limit::slot> slot);
    /** The handshake of a new session, its client address read through trusted proxies. */
    handshake_request make_handshake(const http::request& req, std::string_view query,
                                     std::string remote) const;
    /** The new session's place under SOCK_MAX_CONNECTIONS_PER_IP; false: refused (counted). */
    bool admit_address(const std::string& address, std::unique_ptr<address_limit::slot>& out);

    websocket::shard_context& ws_;
    net::executor ex_;
    settings settings_;
    websocket::connection_settings ws_settings_;
    metrics& metrics_;
    unsigned shard_;
    bool shutting_down_ = false; // close_all ran: requests for a session are cut unanswered
    std::vector<server*> peers_;
    // Keyed by a view of the session's own id: the sid is stored once.
    std::unordered_map<std::string_view, std::shared_ptr<session>> sessions_;
};

/** Which shard owns `sid` (its first two characters); nullopt if they are not a shard number. */
std::optional<unsigned> shard_of(std::string_view sid) noexcept;

/** The protocol's error body {"code":code,"message":...} with status 400 (403 for code 4). */
http::response error_response(int code, unsigned http_version = 11);

} // namespace senna::engineio

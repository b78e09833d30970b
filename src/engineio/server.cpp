#include "engineio/server.hpp"

#include "http/query.hpp"
#include "http/response.hpp"
#include "net/spawn.hpp"
#include "util/log.hpp"
#include "util/metrics.hpp"
#include "websocket/handshake.hpp"

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <sys/random.h>

namespace senna::engineio {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

constexpr std::string_view sid_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct query_params {
    http::query_value eio, transport, sid, b64, jsonp;
};

query_params read_query(std::string_view query) {
    return {http::find_query(query, "EIO"), http::find_query(query, "transport"),
            http::find_query(query, "sid"), http::find_query(query, "b64"),
            http::find_query(query, "j")};
}

} // namespace

handshake_request server::make_handshake(const http::request& req, std::string_view query,
                                         std::string remote) const {
    handshake_request hr;
    hr.url = std::string(req.target());
    hr.query = std::string(query);
    if (settings_.trusted_proxies.empty()) {
        hr.remote = std::move(remote);
    } else {
        auto xff = req.find("X-Forwarded-For");
        hr.remote = util::client_address(
            remote, xff == req.end() ? std::string_view() : std::string_view(xff->value()),
            settings_.trusted_proxies);
    }
    hr.headers.reserve(static_cast<std::size_t>(std::distance(req.begin(), req.end())));
    for (const auto& f : req) {
        std::string name(f.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        hr.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    return hr;
}

namespace {

// Writes an HTTP error on a connection that asked for an upgrade, then closes it. Short-lived:
// the only coroutine of the upgrade path, and only for refusals.
net::awaitable<void> refuse_upgrade(net::tcp::socket socket, http::response res,
                                    std::function<void()> release) {
    {
        beast::tcp_stream stream(std::move(socket));
        res.keep_alive(false);
        stream.expires_after(std::chrono::seconds(5));
        co_await bhttp::async_write(stream, res, net::use_tuple);
        net::error_code ec;
        stream.socket().shutdown(net::tcp::socket::shutdown_both, ec);
        stream.socket().close(ec);
    }
    if (release)
        release();
}

void refuse(net::executor ex, int fd, bool v6, http::response res, std::function<void()> release) {
    net::tcp::socket socket(ex, v6 ? net::tcp::v6() : net::tcp::v4(), fd);
    net::spawn(ex, refuse_upgrade(std::move(socket), std::move(res), std::move(release)),
               "eio_refuse_upgrade");
}

bool wants_base64(const query_params& q) {
    return q.b64.present && q.b64.value != "0" && !q.b64.value.empty();
}

} // namespace

std::optional<unsigned> shard_of(std::string_view sid) noexcept {
    if (sid.size() < 2)
        return std::nullopt;
    auto a = sid_alphabet.find(sid[0]);
    auto b = sid_alphabet.find(sid[1]);
    if (a == std::string_view::npos || b == std::string_view::npos)
        return std::nullopt;
    return static_cast<unsigned>(a * 64 + b);
}

http::response error_response(int code, unsigned http_version) {
    static constexpr std::array<std::string_view, 6> messages{
        "Transport unknown", "Session ID unknown", "Bad handshake method",
        "Bad request",       "Forbidden",          "Unsupported protocol version"};
    std::string body = "{\"code\":" + std::to_string(code) + ",\"message\":\"" +
                       std::string(messages.at(static_cast<std::size_t>(code))) + "\"}";
    return http::text_response(code == 4 ? http::status::forbidden : http::status::bad_request,
                               std::move(body), "application/json", http_version);
}

void metrics::render(std::string& out) const {
    namespace m = util::metrics;
    m::header(out, "senna_engineio_sessions", "gauge", "Open Engine.IO sessions by transport");
    m::sample(out, "senna_engineio_sessions", "transport=\"polling\"",
              static_cast<std::uint64_t>(std::max<std::int64_t>(0, open(transport_kind::polling))));
    m::sample(
        out, "senna_engineio_sessions", "transport=\"websocket\"",
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, open(transport_kind::websocket))));
    m::header(out, "senna_engineio_handshakes_total", "counter", "Engine.IO sessions opened");
    m::sample(out, "senna_engineio_handshakes_total", "", handshakes_.value());
    m::header(out, "senna_engineio_upgrades_total", "counter",
              "Polling sessions upgraded to WebSocket");
    m::sample(out, "senna_engineio_upgrades_total", "", upgrades_.value());
    m::header(out, "senna_engineio_slow_consumers_total", "counter",
              "Sessions closed because their outbox overflowed");
    m::sample(out, "senna_engineio_slow_consumers_total", "", slow_consumers_.value());
}

server::server(websocket::shard_context& ws, settings s, metrics& m, unsigned shard)
    : ws_(ws), ex_(ws.context().get_executor()), settings_(std::move(s)), metrics_(m),
      shard_(shard) {
    ws_settings_.max_message = settings_.max_payload;
    ws_settings_.outbox_limit = settings_.outbox_limit;
    ws_settings_.write_timeout = settings_.write_timeout;
    ws_settings_.close_timeout = settings_.close_timeout;
    ws_settings_.frame_gap = settings_.frame_gap;
}

server::~server() = default;

std::shared_ptr<session> server::find(std::string_view sid) const {
    auto it = sessions_.find(sid);
    return it == sessions_.end() ? nullptr : it->second;
}

void server::forget(const std::string& sid) {
    sessions_.erase(sid);
}

void server::announce(const std::shared_ptr<session>& s) {
    metrics_.handshake();
    if (on_connection)
        on_connection(s);
}

void server::close_all(bool immediate) {
    shutting_down_ = true;
    std::vector<std::shared_ptr<session>> all;
    all.reserve(sessions_.size());
    for (auto& [id, s] : sessions_)
        all.push_back(s);
    for (auto& s : all) {
        if (immediate)
            s->close_now(disconnect_reason::server_shutting_down);
        else
            s->close_for_shutdown();
    }
}

std::string server::new_sid() {
    for (;;) {
        std::array<unsigned char, 18> rnd{};
        std::size_t got = 0;
        while (got < rnd.size()) {
            auto n = ::getrandom(rnd.data() + got, rnd.size() - got, 0);
            if (n > 0)
                got += static_cast<std::size_t>(n);
        }
        std::string sid;
        sid.reserve(2 + rnd.size());
        sid += sid_alphabet[(shard_ / 64) % 64];
        sid += sid_alphabet[shard_ % 64];
        for (unsigned char c : rnd)
            sid += sid_alphabet[c % 64];
        if (!sessions_.contains(sid))
            return sid;
    }
}

bool server::admit_address(const std::string& address, std::unique_ptr<address_limit::slot>& out) {
    if (!settings_.per_address)
        return true;
    out = settings_.per_address->acquire(address);
    if (out)
        return true;
    util::metrics::count(settings_.refusals, util::metrics::refusal::connection_limit_per_ip);
    return false;
}

namespace {
http::response too_many_from_address(unsigned version) {
    auto res =
        http::text_response(http::status::too_many_requests,
                            R"({"code":4,"message":"Too many connections from this address"})",
                            "application/json", version);
    return res;
}
} // namespace

std::shared_ptr<session> server::create(transport_kind t, handshake_request hr, version v, bool b64,
                                        std::unique_ptr<address_limit::slot> slot) {
    auto s = std::make_shared<session>(*this, new_sid(), t, std::move(hr), v, b64);
    s->hold(std::move(slot));
    sessions_.emplace(std::string_view(s->id()), s);
    metrics_.opened(t);
    return s;
}

void server::apply_cors(const http::request& req, http::response& res) const {
    auto o = req.find(http::field::origin);
    apply_cors(o == req.end() ? std::nullopt : std::optional<std::string>(o->value()), res);
}

void server::apply_cors(const std::optional<std::string>& origin, http::response& res) const {
    const bool any = std::find(settings_.cors_origins.begin(), settings_.cors_origins.end(), "*") !=
                     settings_.cors_origins.end();
    if (!origin) {
        if (any)
            res.set(http::field::access_control_allow_origin, "*");
        return;
    }
    res.set(http::field::vary, "Origin");
    if (any || std::find(settings_.cors_origins.begin(), settings_.cors_origins.end(), *origin) !=
                   settings_.cors_origins.end()) {
        res.set(http::field::access_control_allow_origin, *origin);
        res.set(http::field::access_control_allow_credentials, "true");
    }
}

namespace {
// Another shard's session: hand the request over and wait for its answer there. A poll that
// parks throws http::drop_connection back through co_spawn, to the shard that read it.
net::awaitable<http::response> on_peer(server* peer, http::request copy, std::string remote, int fd,
                                       bool can_park) {
    co_return co_await net::asio::co_spawn(
        peer->executor(),
        peer->handle_request_on_owner(std::move(copy), std::move(remote), fd, can_park),
        net::use_awaitable);
}

net::awaitable<http::response> ready(http::response res) {
    co_return res;
}
} // namespace

// handle_request and handle_local are plain functions that return the awaitable of the work
// (a held poll): no coroutine frame of theirs stays alive while a GET waits for packets.
net::awaitable<http::response> server::handle_request(http::request_context& ctx) {
    auto q = read_query(ctx.query);
    if (q.sid.present) {
        auto owner = shard_of(q.sid.value);
        if (owner && *owner != shard_ && *owner < peers_.size() && peers_[*owner])
            return on_peer(peers_[*owner], ctx.req, ctx.remote, ctx.fd, ctx.can_park);
    }
    return handle_local(ctx.req, ctx.remote, ctx.fd, ctx.can_park);
}

net::awaitable<http::response>
server::handle_request_on_owner(http::request req, std::string remote, int fd, bool can_park) {
    co_return co_await handle_local(req, std::move(remote), fd, can_park);
}

net::awaitable<http::response> server::handle_local(const http::request& req, std::string remote,
                                                    int fd, bool can_park) {
    auto fail = [&](int code) {
        auto res = error_response(code, req.version());
        apply_cors(req, res);
        return ready(std::move(res));
    };
    const auto target = http::split_target(req.target());
    auto q = read_query(target.query);
    if (shutting_down_ && q.sid.present)
        throw http::drop_connection{}; // a 4xx now would read as a deliberate close (close_all)
    if (!q.transport.present ||
        (q.transport.value != "polling" && q.transport.value != "websocket"))
        return fail(0);
    if (q.sid.present) {
        auto s = find(q.sid.value);
        if (!s)
            return fail(1);
        if (q.transport.value != "polling" || s->transport() != transport_kind::polling)
            return fail(3);
        if (req.method() == http::verb::get)
            return s->handle_poll(req, fd, can_park);
        if (req.method() == http::verb::post)
            return s->handle_post(req);
        return fail(3);
    }
    if (req.method() != http::verb::get)
        return fail(2);
    if (q.transport.value != "polling")
        return fail(3);
    auto v = parse_version(q.eio.value);
    if (!q.eio.present || !v || (*v == version::v3 && !settings_.allow_eio3))
        return fail(5);
    if (q.jsonp.present)
        return fail(3); // the v3 JSONP transport is not supported
    auto hr = make_handshake(req, target.query, std::move(remote));
    std::unique_ptr<address_limit::slot> slot;
    if (!admit_address(hr.remote, slot)) {
        auto res = too_many_from_address(req.version());
        apply_cors(req, res);
        return ready(std::move(res));
    }
    auto s = create(transport_kind::polling, std::move(hr), *v, wants_base64(q), std::move(slot));
    s->start();
    announce(s);
    return s->handle_poll(req, fd, can_park);
}

void server::handle_upgrade(net::tcp::socket socket, http::request req, std::string remote,
                            std::function<void()> release) {
    net::error_code ec;
    const auto local = socket.local_endpoint(ec);
    const bool v6 = !ec && local.address().is_v6();
    const int fd = socket.release(ec);
    if (ec) {
        release();
        return;
    }
    auto q = read_query(http::split_target(req.target()).query);
    if (q.sid.present) {
        auto owner = shard_of(q.sid.value);
        if (owner && *owner != shard_ && *owner < peers_.size() && peers_[*owner]) {
            // Another shard's session: its owner takes the descriptor into its own io_context.
            server* peer = peers_[*owner];
            auto moved = std::make_shared<http::request>(std::move(req));
            net::asio::post(peer->executor(), [peer, fd, v6, moved, remote = std::move(remote),
                                               release = std::move(release)]() mutable {
                peer->upgrade_here(fd, v6, std::move(*moved), std::move(remote),
                                   std::move(release));
            });
            return;
        }
    }
    upgrade_here(fd, v6, std::move(req), std::move(remote), std::move(release));
}

void server::upgrade_here(int fd, bool v6, http::request req, std::string remote,
                          std::function<void()> release) {
    const auto target = http::split_target(req.target());
    auto q = read_query(target.query);
    auto fail = [&](http::response res) {
        refuse(ex_, fd, v6, std::move(res), std::move(release));
    };
    if (!q.transport.present || q.transport.value != "websocket")
        return fail(error_response(0, req.version()));
    std::shared_ptr<session> probed;
    std::optional<version> v;
    if (q.sid.present) {
        probed = find(q.sid.value);
        if (!probed)
            return fail(error_response(1, req.version()));
    } else {
        v = parse_version(q.eio.value);
        if (!q.eio.present || !v || (*v == version::v3 && !settings_.allow_eio3))
            return fail(error_response(5, req.version()));
    }
    auto key = req.find(http::field::sec_websocket_key);
    auto ver = req.find(http::field::sec_websocket_version);
    std::optional<std::string> accept;
    if (key != req.end())
        accept = websocket::accept_key(key->value());
    if (!accept || ver == req.end() || ver->value() != "13") {
        auto res = http::text_response(http::status::bad_request, "Bad WebSocket handshake",
                                       "text/plain; charset=utf-8", req.version());
        res.set(http::field::sec_websocket_version, "13");
        return fail(std::move(res));
    }
    std::optional<handshake_request> hr;
    std::unique_ptr<address_limit::slot> slot;
    if (!probed) {
        hr = make_handshake(req, target.query, std::move(remote));
        if (!admit_address(hr->remote, slot))
            return fail(too_many_from_address(req.version()));
    }
    auto ws = std::make_shared<websocket::connection>(ws_, ws_settings_, fd, v6);
    ws->on_released(std::move(release));
    ws->send_raw(websocket::switching_protocols(*accept));
    if (probed) {
        probed->attach_probe(std::move(ws));
        return;
    }
    auto s =
        create(transport_kind::websocket, std::move(*hr), *v, wants_base64(q), std::move(slot));
    req = {}; // what the session needs of the request is in its handshake
    s->attach_fresh(std::move(ws));
    announce(s);
}

} // namespace senna::engineio

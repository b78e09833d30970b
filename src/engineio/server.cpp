#include "engineio/server.hpp"

#include "http/query.hpp"
#include "http/response.hpp"
#include "util/log.hpp"
#include "util/metrics.hpp"

#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <sys/random.h>

namespace senna::engineio {

namespace {

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

handshake_request make_handshake(const http::request& req, std::string_view query,
                                 std::string remote, version v, bool b64) {
    handshake_request hr;
    hr.url = std::string(req.target());
    hr.query = std::string(query);
    hr.remote = std::move(remote);
    hr.protocol = v;
    hr.base64 = b64;
    for (const auto& f : req) {
        std::string name(f.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        hr.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    return hr;
}

// Writes an HTTP error on a connection that asked for an upgrade, then closes it.
net::awaitable<void> refuse_upgrade(net::tcp::socket socket, http::response res) {
    beast::tcp_stream stream(std::move(socket));
    res.keep_alive(false);
    stream.expires_after(std::chrono::seconds(5));
    co_await bhttp::async_write(stream, res, net::use_tuple);
    net::error_code ec;
    stream.socket().shutdown(net::tcp::socket::shutdown_both, ec);
    stream.socket().close(ec);
}

net::awaitable<http::response> remote_request(server* peer, http::request req, std::string remote);

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

server::server(net::executor ex, settings s, metrics& m, unsigned shard)
    : ex_(std::move(ex)), settings_(std::move(s)), metrics_(m), shard_(shard) {}

server::~server() = default;

std::shared_ptr<session> server::find(const std::string& sid) const {
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
    std::vector<std::shared_ptr<session>> all;
    all.reserve(sessions_.size());
    for (auto& [id, s] : sessions_)
        all.push_back(s);
    for (auto& s : all) {
        s->close("server shutting down");
        // Polling sessions without a pending GET would wait for one; cut them now.
        if (immediate || s->transport() == transport_kind::polling)
            s->close_now("server shutting down");
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

std::shared_ptr<session> server::create(transport_kind t, handshake_request hr) {
    auto s = std::make_shared<session>(*this, new_sid(), t, std::move(hr));
    sessions_.emplace(s->id(), s);
    metrics_.opened(t);
    return s;
}

void server::apply_cors(const http::request& req, http::response& res) const {
    auto origin = req.find(http::field::origin);
    const bool any = std::find(settings_.cors_origins.begin(), settings_.cors_origins.end(), "*") !=
                     settings_.cors_origins.end();
    if (origin == req.end()) {
        if (any)
            res.set(http::field::access_control_allow_origin, "*");
        return;
    }
    res.set(http::field::vary, "Origin");
    if (any || std::find(settings_.cors_origins.begin(), settings_.cors_origins.end(),
                         origin->value()) != settings_.cors_origins.end()) {
        res.set(http::field::access_control_allow_origin, origin->value());
        res.set(http::field::access_control_allow_credentials, "true");
    }
}

namespace {
net::awaitable<http::response> remote_request(server* peer, http::request req, std::string remote) {
    co_return co_await peer->handle_request_on_owner(std::move(req), std::move(remote));
}
} // namespace

net::awaitable<http::response> server::handle_request(http::request_context& ctx) {
    auto q = read_query(ctx.query);
    if (q.sid.present) {
        auto owner = shard_of(q.sid.value);
        if (owner && *owner != shard_ && *owner < peers_.size() && peers_[*owner]) {
            // Another shard's session: hand the request over and wait for its answer there.
            server* peer = peers_[*owner];
            http::request copy = ctx.req;
            http::response res = co_await net::asio::co_spawn(
                peer->executor(), remote_request(peer, std::move(copy), ctx.remote),
                net::use_awaitable);
            co_return res;
        }
    }
    co_return co_await handle_local(ctx.req, ctx.remote);
}

net::awaitable<http::response> server::handle_request_on_owner(http::request req,
                                                               std::string remote) {
    co_return co_await handle_local(req, std::move(remote));
}

net::awaitable<http::response> server::handle_local(const http::request& req, std::string remote) {
    auto fail = [&](int code) {
        auto res = error_response(code, req.version());
        apply_cors(req, res);
        return res;
    };
    const auto target = http::split_target(req.target());
    auto q = read_query(target.query);
    if (!q.transport.present ||
        (q.transport.value != "polling" && q.transport.value != "websocket"))
        co_return fail(0);
    if (q.sid.present) {
        auto s = find(q.sid.value);
        if (!s)
            co_return fail(1);
        if (q.transport.value != "polling" || s->transport() != transport_kind::polling)
            co_return fail(3);
        if (req.method() == http::verb::get)
            co_return co_await s->handle_poll(req);
        if (req.method() == http::verb::post)
            co_return co_await s->handle_post(req);
        co_return fail(3);
    }
    if (req.method() != http::verb::get)
        co_return fail(2);
    if (q.transport.value != "polling")
        co_return fail(3);
    auto v = parse_version(q.eio.value);
    if (!q.eio.present || !v || (*v == version::v3 && !settings_.allow_eio3))
        co_return fail(5);
    if (q.jsonp.present)
        co_return fail(3); // the v3 JSONP transport is not supported
    auto s = create(transport_kind::polling,
                    make_handshake(req, target.query, std::move(remote), *v,
                                   q.b64.present && q.b64.value != "0" && !q.b64.value.empty()));
    s->start(true);
    announce(s);
    co_return co_await s->handle_poll(req);
}

net::awaitable<void> server::handle_upgrade(net::tcp::socket socket, http::request req,
                                            std::string remote) {
    auto q = read_query(http::split_target(req.target()).query);
    if (q.sid.present) {
        auto owner = shard_of(q.sid.value);
        if (owner && *owner != shard_ && *owner < peers_.size() && peers_[*owner]) {
            // Move the connection's descriptor into the owner's io_context; this coroutine
            // waits until the owner is done with it, so the HTTP layer's count stays right.
            server* peer = peers_[*owner];
            const bool v6 = socket.local_endpoint().address().is_v6();
            net::error_code ec;
            int fd = socket.release(ec);
            if (ec)
                co_return;
            co_await net::asio::co_spawn(
                peer->executor(), peer->upgrade_local(fd, v6, std::move(req), std::move(remote)),
                net::use_awaitable);
            co_return;
        }
    }
    co_await upgrade_here(std::move(socket), std::move(req), std::move(remote));
}

net::awaitable<void> server::upgrade_local(int fd, bool v6, http::request req, std::string remote) {
    net::tcp::socket socket(ex_, v6 ? net::tcp::v6() : net::tcp::v4(), fd);
    co_await upgrade_here(std::move(socket), std::move(req), std::move(remote));
}

net::awaitable<void> server::upgrade_here(net::tcp::socket socket, http::request req,
                                          std::string remote) {
    const auto target = http::split_target(req.target());
    auto q = read_query(target.query);
    if (!q.transport.present || q.transport.value != "websocket") {
        co_await refuse_upgrade(std::move(socket), error_response(0, req.version()));
        co_return;
    }
    if (q.sid.present) {
        auto s = find(q.sid.value);
        if (!s) {
            co_await refuse_upgrade(std::move(socket), error_response(1, req.version()));
            co_return;
        }
        co_await s->serve_websocket(std::move(socket), std::move(req), false);
        co_return;
    }
    auto v = parse_version(q.eio.value);
    if (!q.eio.present || !v || (*v == version::v3 && !settings_.allow_eio3)) {
        co_await refuse_upgrade(std::move(socket), error_response(5, req.version()));
        co_return;
    }
    auto s = create(transport_kind::websocket,
                    make_handshake(req, target.query, std::move(remote), *v,
                                   q.b64.present && q.b64.value != "0" && !q.b64.value.empty()));
    co_await s->serve_websocket(std::move(socket), std::move(req), true);
}

} // namespace senna::engineio

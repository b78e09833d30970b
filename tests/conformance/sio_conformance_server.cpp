// sio-conformance-server: what the official protocol test suites expect to find on
// 127.0.0.1:$PORT (default 3000), built from senna's own modules (a test program, not senna):
//   /engine.io/  a bare Engine.IO server that echoes every message back
//   /socket.io/  a Socket.IO server, pingInterval 300, pingTimeout 200, maxPayload 1000000,
//                connectTimeout 1000, CORS *; on connect it emits "auth" with the CONNECT
//                payload; "message" -> "message-back" with the same arguments;
//                "message-with-ack" -> acknowledged with the same arguments; namespace
//                "/custom" too; any other namespace gets CONNECT_ERROR "Invalid namespace".
// Runs: engine.io-protocol/test-suite and socket.io-protocol/test-suite (`npm test`).
//
// The interop tests (tests/integration/socketio.test.mjs) start it too, with knobs from the
// environment: PORT (0: any, the bound port is printed), THREADS (shards, each with its own
// io_context, as senna runs them), PING_INTERVAL_MS, PING_TIMEOUT_MS, MAX_PAYLOAD,
// OUTBOX_LIMIT, FRAME_GAP_US. Extra handlers for them: namespace "/reject" (hook refuses with
// data), "/slow" (hook accepts after 50 ms, then emits "auth"); events "join" (room),
// "to-room" [room, ...args] (every shard, via socketio::cluster), "ask" [...args] (the server
// emits "question" with an ack and answers the original ack with the client's reply or
// "timeout"), "bye" (server-side namespace disconnect), "flood" [n] (n emits at once).
// RECOVERY_MS > 0 turns connection state recovery on (socketio/recovery.hpp) with an in-memory
// store: every CONNECT answer then carries a pid, as the reference's does with
// connectionStateRecovery (the suites' `have.all.keys("sid")` checks expect a server without).

#include "engineio/server.hpp"
#include "http/server.hpp"
#include "socketio/server.hpp"
#include "support/memory_session_store.hpp"
#include "util/log.hpp"

#include <boost/asio/signal_set.hpp>

#include <cstdlib>
#include <iostream>
#include <thread>

using namespace senna;

namespace {

std::size_t env_number(const char* name, std::size_t fallback) {
    const char* v = std::getenv(name);
    return v && *v ? static_cast<std::size_t>(std::strtoull(v, nullptr, 10)) : fallback;
}

class echo : public engineio::session_handler {
public:
    explicit echo(std::weak_ptr<engineio::session> s) : session_(std::move(s)) {}
    void on_message(std::string_view data, bool binary) override {
        if (auto s = session_.lock())
            s->send(std::string(data), binary);
    }
    void on_close(senna::engineio::disconnect_reason) override {}

private:
    std::weak_ptr<engineio::session> session_;
};

socketio::cluster everywhere; // set before the shards start
test_support::memory_session_store sessions;

void setup(socketio::namespace_& ns) {
    ns.on_connection([](socketio::socket& s) {
        boost::json::array auth_args;
        auth_args.push_back(s.auth());
        s.emit("auth", std::move(auth_args));
        s.on("message", [&s](socketio::event& ev, socketio::ack_fn) {
            s.emit("message-back", ev.args, ev.attachments);
        });
        s.on("message-with-ack",
             [](socketio::event& ev, socketio::ack_fn ack) { ack(ev.args, ev.attachments); });
        s.on("join", [&s](socketio::event& ev, socketio::ack_fn ack) {
            if (!ev.args.empty() && ev.args[0].is_string())
                s.join(std::string(ev.args[0].as_string()));
            ack();
        });
        s.on("to-room", [&s](socketio::event& ev, socketio::ack_fn ack) {
            if (ev.args.empty() || !ev.args[0].is_string())
                return;
            std::string room(ev.args[0].as_string());
            boost::json::array rest(ev.args.begin() + 1, ev.args.end());
            everywhere.of(s.nsp_name()).to(room).emit("room-message", std::move(rest));
            ack();
        });
        s.on("ask", [&s](socketio::event& ev, socketio::ack_fn ack) {
            s.emit_with_ack(
                "question", ev.args,
                [ack](boost::system::error_code ec, socketio::event& reply) {
                    if (ec) {
                        boost::json::array a;
                        a.emplace_back("timeout");
                        ack(std::move(a));
                    } else {
                        ack(reply.args, reply.attachments);
                    }
                },
                std::chrono::milliseconds(500));
        });
        s.on("bye", [&s](socketio::event&, socketio::ack_fn) { s.disconnect(); });
        s.on("flood", [&s](socketio::event& ev, socketio::ack_fn) {
            std::int64_t n = ev.args.empty() ? 0 : ev.args[0].to_number<std::int64_t>();
            for (std::int64_t i = 0; i < n && s.connected(); ++i) {
                boost::json::array a;
                a.emplace_back(i);
                s.emit("flooded", std::move(a));
            }
        });
    });
}

struct shard {
    shard(unsigned index, const engineio::settings& base, engineio::metrics& m)
        : bare(ws, with_path(base, "/engine.io/"), m, index),
          eio(ws, with_path(base, "/socket.io/"), m, index), io(eio, sio_settings()) {
        bare.on_connection = [](const std::shared_ptr<engineio::session>& s) {
            s->set_handler(std::make_shared<echo>(s));
        };
        setup(io.of("/"));
        setup(io.of("/custom"));
        for (const char* name : {"/", "/custom"})
            io.of(name).on_restore(
                [](socketio::socket&, const boost::json::value&) { return true; });
        io.of("/reject").use([](socketio::socket&) -> net::awaitable<socketio::connect_verdict> {
            boost::json::object data;
            data["code"] = 42;
            co_return socketio::refuse("not allowed", std::move(data));
        });
        auto& slow = io.of("/slow");
        slow.use([](socketio::socket& s) -> net::awaitable<socketio::connect_verdict> {
            net::steady_timer t(s.nsp().owner().executor(), std::chrono::milliseconds(50));
            co_await t.async_wait(net::use_tuple);
            co_return socketio::accept();
        });
        setup(slow);
        for (auto* e : {&bare, &eio}) {
            auto fn = [e](http::request_context& ctx) { return e->handle_request(ctx); };
            routes.add(http::verb::get, e->config().path, fn);
            routes.add(http::verb::post, e->config().path, fn);
            routes.add(http::verb::put, e->config().path, fn);
        }
    }
    static engineio::settings with_path(engineio::settings s, const char* path) {
        s.path = path;
        return s;
    }
    static socketio::server_settings sio_settings() {
        socketio::server_settings ss;
        ss.connect_timeout = std::chrono::milliseconds(1000);
        ss.recovery.window = std::chrono::milliseconds(env_number("RECOVERY_MS", 0));
        ss.recovery.store = &sessions;
        return ss;
    }

    net::asio::io_context ioc{1};
    net::timer_wheel wheel{ioc.get_executor()};
    websocket::shard_context ws{ioc, wheel};
    engineio::server bare;
    engineio::server eio;
    socketio::server io;
    http::router routes;
    std::unique_ptr<http::server> http;
    std::thread thread;
};

} // namespace

int main() {
    log::set_level(log::level::warn);
    const auto port = static_cast<std::uint16_t>(env_number("PORT", 3000));
    const auto threads = static_cast<unsigned>(std::max<std::size_t>(1, env_number("THREADS", 1)));

    engineio::metrics eio_metrics;
    engineio::settings es;
    es.ping_interval = std::chrono::milliseconds(env_number("PING_INTERVAL_MS", 300));
    es.ping_timeout = std::chrono::milliseconds(env_number("PING_TIMEOUT_MS", 200));
    es.max_payload = env_number("MAX_PAYLOAD", 1'000'000);
    es.outbox_limit = env_number("OUTBOX_LIMIT", 1024);
    es.allow_eio3 = true; // EIO=3 for socket.io-client 2.x; the suites only send EIO=4
    // See engineio::settings::frame_gap: the suites' WebSocket shim needs it.
    es.frame_gap = std::chrono::microseconds(env_number("FRAME_GAP_US", 20000));

    std::vector<std::unique_ptr<shard>> shards;
    for (unsigned i = 0; i < threads; ++i)
        shards.push_back(std::make_unique<shard>(i, es, eio_metrics));
    std::vector<engineio::server*> bares, eios;
    std::vector<socketio::server*> ios;
    for (auto& s : shards) {
        bares.push_back(&s->bare);
        eios.push_back(&s->eio);
        ios.push_back(&s->io);
    }
    everywhere = socketio::cluster(ios);

    http::cors_policy cors({"*"});
    std::vector<std::string> labels;
    for (const auto& r : shards[0]->routes.routes())
        labels.push_back(r.pattern);
    http::request_metrics hm(labels);
    http::session_settings hs;
    hs.access_log = false;
    std::uint16_t bound = port;
    for (auto& s : shards) {
        s->bare.set_peers(bares);
        s->eio.set_peers(eios);
        std::vector<http::upgrade_route> upgrades;
        for (auto* e : {&s->bare, &s->eio})
            upgrades.push_back(http::upgrade_route{
                e->config().path, [e](senna::net::tcp::socket st, http::request req,
                                      std::string remote, std::function<void()> release) {
                    e->handle_upgrade(std::move(st), std::move(req), std::move(remote),
                                      std::move(release));
                }});
        s->http = std::make_unique<http::server>(
            s->ioc, http::session_env{s->routes, cors, hm, hs, std::move(upgrades)}, 100000);
        for (auto* e : {&s->bare, &s->eio})
            e->adopt = [h = s->http.get()](senna::net::tcp::socket st) { h->adopt(std::move(st)); };
        bound =
            s->http->listen(net::tcp::endpoint(net::asio::ip::make_address("127.0.0.1"), bound));
        if (port != 0) {
            try { // the suites say "localhost", which Node may resolve to ::1 first
                s->http->listen(net::tcp::endpoint(net::asio::ip::make_address("::1"), bound));
            } catch (const std::exception&) {
            }
        }
        s->http->start();
    }
    for (auto& s : shards)
        s->thread = std::thread([&ioc = s->ioc] { ioc.run(); });

    // Shutdown: stop accepting, cut every connection, and let each shard's io_context run out
    // of work, so every coroutine ends before the objects it uses are destroyed.
    net::asio::io_context control{1};
    net::asio::signal_set signals(control, SIGINT, SIGTERM);
    signals.async_wait([&](net::error_code, int) {
        for (auto& s : shards)
            net::asio::post(s->ioc, [&sh = *s] {
                sh.http->drain();
                sh.bare.close_all(true);
                sh.eio.close_all(true);
                sh.http->close_all();
            });
    });
    std::cout << "sio-conformance-server listening on 127.0.0.1:" << bound << std::endl;
    control.run();
    for (auto& s : shards)
        s->thread.join();
    return 0;
}

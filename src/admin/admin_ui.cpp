#include "admin/admin_ui.hpp"

#include "admin/credentials.hpp"
#include "admin/probe.hpp"
#include "admin/ui_impl.hpp"
#include "net/spawn.hpp"
#include "util/log.hpp"
#include "util/time.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <openssl/crypto.h>
#include <unistd.h>
#include <utility>

namespace senna::admin {

namespace json = boost::json;
using socketio::socket;

namespace {

using namespace std::chrono_literals;

std::string hostname() {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return host;
}

const json::string* string_arg(const json::array& args, std::size_t i) {
    return i < args.size() && args[i].is_string() ? &args[i].get_string() : nullptr;
}

} // namespace

// ------------------------------------------------------------------------------ impl, shard 0

void admin_ui::impl::on_bus(std::string_view payload) {
    net::error_code ec;
    json::value v = json::parse(payload, ec);
    if (ec || !v.is_object())
        return;
    auto& m = v.get_object();
    const auto* kind = m.if_contains("kind");
    if (!kind || !kind->is_string())
        return;
    const std::string_view k = kind->get_string();
    const auto* from = m.if_contains("from");
    const std::string sender = from && from->is_string() ? std::string(from->get_string()) : "";
    if (k == "event") {
        const auto* name = m.if_contains("event");
        auto* args = m.if_contains("args");
        if (name && name->is_string() && args && args->is_array())
            to_admins(name->get_string(), std::move(args->get_array()));
    } else if (k == "watch") {
        if (sender != s.server_id)
            watched_until.store(util::now_ms() + 3 * s.stats_interval.count());
    } else if (k == "command") {
        apply_command(m);
    } else if (k == "fetch") {
        const auto* req = m.if_contains("req");
        if (req && req->is_string())
            net::spawn(shards[0].executor, answer_fetch(std::string(req->get_string()), sender),
                       "admin_fetch");
    } else if (k == "sockets") {
        const auto* to = m.if_contains("to");
        const auto* req = m.if_contains("req");
        auto* list = m.if_contains("sockets");
        if (!to || !to->is_string() || to->get_string() != s.server_id || !req ||
            !req->is_string() || !list || !list->is_array())
            return;
        auto it = fetches.find(std::string(req->get_string()));
        if (it == fetches.end())
            return;
        for (auto& x : list->get_array())
            it->second.sockets.push_back(std::move(x));
    }
}

void admin_ui::impl::apply_command(const json::object& cmd) {
    for (std::size_t i = 0; i < shards.size(); ++i) // NOLINT(modernize-loop-convert): two vectors
        net::asio::post(shards[i].executor, [p = probes[i].get(), cmd] { p->command(cmd); });
}

net::awaitable<json::array> admin_ui::impl::local_sockets() {
    json::array all;
    for (std::size_t i = 0; i < shards.size(); ++i) {
        json::array part = co_await net::asio::co_spawn(
            shards[i].executor,
            [](probe* p, std::size_t max) -> net::awaitable<json::array> {
                json::array out;
                p->list(out, max);
                co_return out;
            }(probes[i].get(), s.max_sockets_listed),
            net::use_awaitable);
        for (auto& x : part)
            if (all.size() < s.max_sockets_listed)
                all.push_back(std::move(x));
    }
    co_return all;
}

net::awaitable<void> admin_ui::impl::answer_fetch(std::string req, std::string to) {
    json::array list = co_await local_sockets();
    json::object m;
    m["kind"] = "sockets";
    m["req"] = req;
    m["to"] = to;
    m["sockets"] = std::move(list);
    publish(std::move(m));
}

void admin_ui::impl::begin_fetch(std::size_t shard_index, std::string socket_id) {
    std::string req = random_hex(8);
    fetches[req] = fetch{shard_index, std::move(socket_id), {}};
    json::object m;
    m["kind"] = "fetch";
    m["req"] = req;
    publish(std::move(m));
    // Every instance answers within the window (one Redis round trip each, usually a few ms).
    net::spawn(
        shards[0].executor,
        [](impl* self, std::string r) -> net::awaitable<void> {
            net::steady_timer t(self->shards[0].executor, 500ms);
            co_await t.async_wait(net::use_tuple);
            auto it = self->fetches.find(r);
            if (it == self->fetches.end())
                co_return;
            fetch f = std::move(it->second);
            self->fetches.erase(it);
            const auto& sh = self->shards[f.shard];
            net::asio::post(sh.executor, [io = sh.io, nsp = self->s.namespace_name, f]() mutable {
                auto* ns = io->find(nsp);
                auto sock = ns ? ns->find(f.socket_id) : nullptr;
                if (sock) {
                    json::array args;
                    args.push_back(std::move(f.sockets));
                    sock->emit("all_sockets", std::move(args));
                }
            });
        }(this, std::move(req)),
        "admin_fetch_wait");
}

net::awaitable<void> admin_ui::impl::stats_loop() {
    net::steady_timer t(shards[0].executor);
    timer = &t;
    while (!stopping.load()) {
        t.expires_after(s.stats_interval);
        auto [ec] = co_await t.async_wait(net::use_tuple);
        if (ec || stopping.load())
            break;
        co_await stats_tick();
    }
    timer = nullptr;
}

net::awaitable<void> admin_ui::impl::stats_tick() {
    counts total;
    std::map<std::string, std::size_t> namespaces;
    for (std::size_t i = 0; i < shards.size(); ++i) {
        shard_report r = co_await net::asio::co_spawn(
            shards[i].executor,
            [](probe* p) -> net::awaitable<shard_report> {
                co_return shard_report{p->take(), p->namespaces()};
            }(probes[i].get()),
            net::use_awaitable);
        total.connections += r.c.connections;
        for (auto& [reason, n] : r.c.disconnections)
            total.disconnections[reason] += n;
        total.packets_in += r.c.packets_in;
        total.packets_out += r.c.packets_out;
        total.bytes_in += r.c.bytes_in;
        total.bytes_out += r.c.bytes_out;
        for (auto& [name, n] : r.namespaces)
            namespaces[name] += n;
    }
    if (auto d = dropped.exchange(0))
        log::info("admin_events_dropped", {{"count", static_cast<unsigned long long>(d)}});
    if (local_admins.load() > 0) {
        json::object w;
        w["kind"] = "watch";
        publish(std::move(w));
    }
    if (!watched() || stopping.load())
        co_return;
    const std::int64_t second = util::now_ms() / 1000 * 1000;
    json::array aggregated;
    auto add = [&](const char* type, std::uint64_t n, const std::string* sub_type = nullptr) {
        if (n == 0)
            return;
        json::object e;
        e["timestamp"] = second;
        e["type"] = type;
        if (sub_type)
            e["subType"] = *sub_type;
        e["count"] = n;
        aggregated.push_back(std::move(e));
    };
    add("rawConnection", total.connections);
    for (const auto& [reason, n] : total.disconnections)
        add("rawDisconnection", n, &reason);
    add("packetsIn", total.packets_in);
    add("packetsOut", total.packets_out);
    add("bytesIn", total.bytes_in);
    add("bytesOut", total.bytes_out);
    json::array nsps;
    for (const auto& [name, n] : namespaces)
        nsps.push_back(json::object{{"name", name}, {"socketsCount", n}});
    json::object stats;
    stats["serverId"] = s.server_id;
    stats["hostname"] = hostname();
    stats["pid"] = static_cast<std::int64_t>(::getpid());
    stats["uptime"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    stats["clientsCount"] = s.clients ? s.clients() : 0;
    stats["pollingClientsCount"] = s.polling_clients ? s.polling_clients() : 0;
    stats["aggregatedEvents"] = std::move(aggregated);
    stats["namespaces"] = std::move(nsps);
    json::array args;
    args.push_back(std::move(stats));
    publish_event("server_stats", std::move(args));
}

net::awaitable<bool> admin_ui::impl::session_valid(std::string id) {
    if (id.size() > 128)
        co_return false;
    const std::string key = session_key(id);
    co_return co_await net::asio::co_spawn(
        shards[0].executor,
        [](impl* self, std::string k) -> net::awaitable<bool> {
            if (!self->pub)
                co_return false;
            redis::request req;
            req.push("EXISTS", k);
            auto [ec, replies] = co_await self->pub->exec(req);
            co_return !ec && replies.size() == 1 && replies[0].as_integer().value_or(0) == 1;
        }(this, key),
        net::use_awaitable);
}

net::awaitable<void> admin_ui::impl::save_session(std::string id) {
    const std::string key = session_key(id);
    co_await net::asio::co_spawn(
        shards[0].executor,
        [](impl* self, std::string k) -> net::awaitable<void> {
            if (!self->pub)
                co_return;
            redis::request req;
            req.push("SET", k, "1", "EX", "86400");
            auto [ec, replies] = co_await self->pub->exec(req);
            if (ec)
                log::warn("admin_session_failed", {{"error", ec.message()}});
        }(this, key),
        net::use_awaitable);
}

// The admin namespace on one shard: login, then session / config / all_sockets, the commands.
void admin_ui::impl::declare(std::size_t index) {
    auto& ns = shards[index].io->of(s.namespace_name);
    ns.keep_auth(false); // the password
    ns.keep_handshake(false);
    ns.use([this](socket& sock) -> net::awaitable<socketio::connect_verdict> {
        if (s.username.empty())
            co_return socketio::accept();
        std::string session, user, password;
        if (sock.auth().is_object()) {
            const auto& a = sock.auth().get_object();
            if (const auto* v = a.if_contains("sessionId"); v && v->is_string())
                session = v->get_string();
            if (const auto* v = a.if_contains("username"); v && v->is_string())
                user = v->get_string();
            if (const auto* v = a.if_contains("password"); v && v->is_string())
                password = v->get_string();
        }
        if (!session.empty()) {
            const bool known = co_await session_valid(session);
            if (known)
                co_return socketio::accept();
        }
        if (!user.empty() && user.size() == s.username.size() &&
            CRYPTO_memcmp(user.data(), s.username.data(), user.size()) == 0) {
            const bool ok = co_await net::asio::co_spawn(
                passwords.get_executor(),
                [](std::string pw, std::string hash) -> net::awaitable<bool> {
                    co_return password_matches(pw, hash);
                }(std::move(password), s.password_hash),
                net::use_awaitable);
            if (ok) {
                std::string id = random_hex(16);
                co_await save_session(id);
                sock.data = std::move(id); // sent as `session` once connected
                co_return socketio::accept();
            }
        }
        util::metrics::count(s.refusals, util::metrics::refusal::socket_admin_credentials);
        log::info("admin_login_refused", {{"address", sock.handshake().remote}});
        co_return socketio::refuse("invalid credentials");
    });
    ns.on_connection([this, index](socket& sock) {
        if (local_admins.fetch_add(1) == 0) {
            json::object w;
            w["kind"] = "watch";
            publish(std::move(w));
        }
        if (auto* id = std::any_cast<std::string>(&sock.data)) {
            json::array a;
            a.push_back(json::value(*id));
            sock.emit("session", std::move(a));
            sock.data.reset();
        }
        json::array f;
        for (const auto& x : features)
            f.push_back(json::value(x));
        json::array a;
        a.push_back(json::object{{"supportedFeatures", std::move(f)}});
        sock.emit("config", std::move(a));
        if (verbose())
            net::asio::post(shards[0].executor,
                            [this, index, id = sock.id()] { begin_fetch(index, id); });
    });
    ns.on_disconnect([this](socket&, std::string_view) { local_admins.fetch_sub(1); });
    if (s.mode == mode::readonly)
        return;
    auto command = [this](std::string op) {
        return [this, op](socket&, socketio::event& ev, const socketio::ack_fn&) {
            const json::array& args = ev.args;
            const auto* nsp = string_arg(args, 0);
            if (!nsp || nsp->size() > 256)
                return;
            json::object m;
            m["kind"] = "command";
            m["op"] = op;
            m["nsp"] = *nsp;
            std::size_t next = 1;
            if (op == "disconnect") {
                m["close"] = args.size() > 1 && args[1].is_bool() && args[1].get_bool();
            } else {
                const auto* room = string_arg(args, 1);
                if (!room || room->empty() || room->size() > 256)
                    return;
                m["room"] = *room;
            }
            next = 2;
            if (const auto* filter = string_arg(args, next); filter && filter->size() <= 256)
                m["filter"] = *filter;
            log::info("admin_command", {{"op", op}, {"nsp", std::string(*nsp)}});
            publish(std::move(m));
        };
    };
    ns.on("join", command("join"));
    ns.on("leave", command("leave"));
    ns.on("_disconnect", command("disconnect"));
}

// ------------------------------------------------------------------------------------ admin_ui

admin_ui::admin_ui(settings s) : settings_(std::move(s)), impl_(std::make_unique<impl>(settings_)) {
    auto& f = impl_->features;
    if (settings_.mode != mode::readonly)
        f = {"JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT"};
    f.emplace_back("AGGREGATED_EVENTS");
    if (settings_.mode != mode::production)
        f.emplace_back("ALL_EVENTS");
}

admin_ui::~admin_ui() {
    impl_->passwords.join();
}

void admin_ui::attach(std::vector<shard> shards) {
    impl_->shards = std::move(shards);
    std::vector<socketio::server*> servers;
    for (std::size_t i = 0; i < impl_->shards.size(); ++i) {
        auto& sh = impl_->shards[i];
        impl_->probes.push_back(std::make_unique<probe>(*impl_, sh));
        sh.io->observe(impl_->probes.back().get());
        servers.push_back(sh.io);
        impl_->declare(i);
    }
    impl_->cluster = socketio::cluster(std::move(servers));
}

net::awaitable<void> admin_ui::start() {
    if (impl_->shards.empty())
        co_return;
    co_await net::asio::co_spawn(
        impl_->shards[0].executor,
        [](impl* self) -> net::awaitable<void> {
            auto ex = self->shards[0].executor;
            auto opts = self->s.redis_options;
            opts.name = "admin-ui";
            self->sub = std::make_unique<redis::subscriber>(ex, self->s.endpoint, opts);
            self->sub->set_handler([self](std::string_view, std::string_view, std::string_view p) {
                self->on_bus(p);
            });
            self->sub->subscribe(self->channel);
            self->sub->start();
            self->pub = std::make_unique<redis::connection>(ex, self->s.endpoint, opts);
            self->pub->start();
            net::spawn(ex, self->stats_loop(), "admin_stats");
            co_return;
        }(impl_.get()),
        net::use_awaitable);
}

net::awaitable<void> admin_ui::stop() {
    if (impl_->stopping.exchange(true) || impl_->shards.empty())
        co_return;
    co_await net::asio::co_spawn(
        impl_->shards[0].executor,
        [](impl* self) -> net::awaitable<void> {
            if (self->timer)
                self->timer->cancel();
            if (self->sub)
                self->sub->stop();
            if (self->pub)
                self->pub->stop();
            self->sub.reset();
            self->pub.reset();
            co_return;
        }(impl_.get()),
        net::use_awaitable);
}

} // namespace senna::admin

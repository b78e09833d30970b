#include "admin/admin_ui.hpp"

#include "engineio/session.hpp"
#include "net/spawn.hpp"
#include "redis/connection.hpp"
#include "redis/request.hpp"
#include "redis/subscriber.hpp"
#include "socketio/client.hpp"
#include "util/log.hpp"
#include "util/time.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <crypt.h>
#include <cstring>
#include <map>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/random.h>
#include <unistd.h>
#include <unordered_map>
#include <utility>

namespace senna::admin {

namespace json = boost::json;
using socketio::socket;

bool password_matches(std::string_view password, const std::string& hash) {
    if (hash.empty() || password.size() > 1024)
        return false;
    // crypt_data is large (tens of KB): on the heap, one per call (reentrant).
    auto data = std::make_unique<crypt_data>();
    std::memset(data.get(), 0, sizeof(crypt_data));
    const std::string pw(password);
    const char* out = ::crypt_r(pw.c_str(), hash.c_str(), data.get());
    if (!out || out[0] == '*')
        return false; // crypt(3) failure strings start with '*'
    const std::size_t n = std::strlen(out);
    return n == hash.size() && CRYPTO_memcmp(out, hash.data(), n) == 0;
}

namespace {

using namespace std::chrono_literals;

std::string hex(const unsigned char* p, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 15];
    }
    return out;
}

std::string random_hex(std::size_t bytes) {
    std::array<unsigned char, 32> rnd{};
    std::size_t got = 0;
    while (got < bytes) {
        auto n = ::getrandom(rnd.data() + got, bytes - got, 0);
        if (n > 0)
            got += static_cast<std::size_t>(n);
    }
    return hex(rnd.data(), bytes);
}

// A session id is a credential: Redis holds only its SHA-256.
std::string sha256_hex(std::string_view s) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(s.data(), s.size(), md, &len, EVP_sha256(), nullptr);
    return hex(md, len);
}

json::value date_now() {
    return json::value(util::iso8601(util::now_ms()));
}

std::string hostname() {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return host;
}

const json::string* string_arg(const json::array& args, std::size_t i) {
    return i < args.size() && args[i].is_string() ? &args[i].get_string() : nullptr;
}

// Credentials never reach the UI: the values of "token" and "password" keys are replaced,
// at any depth (up to 8 levels; deeper objects are dropped whole).
void redact(json::value& v, int depth = 0) {
    if (depth > 8) {
        v = "[redacted]";
        return;
    }
    if (v.is_object()) {
        for (auto& [k, x] : v.get_object()) {
            if (k == "token" || k == "password" || k == "sessionId")
                x = "[redacted]";
            else
                redact(x, depth + 1);
        }
    } else if (v.is_array()) {
        for (auto& x : v.get_array())
            redact(x, depth + 1);
    }
}

// The query of a handshake as an object, without the token a client may put there.
json::object query_object(std::string_view query) {
    json::object o;
    while (!query.empty()) {
        auto amp = query.find('&');
        auto part = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        auto eq = part.find('=');
        std::string key(part.substr(0, eq));
        if (key.empty())
            continue;
        o[key] = key == "token"
                     ? std::string("[redacted]")
                     : std::string(eq == std::string_view::npos ? "" : part.substr(eq + 1));
    }
    return o;
}

// The broadcast frame's arguments ("2/nsp,[...]" or "2[...]"), for event_sent.
json::array frame_args(std::string_view text) {
    if (text.empty() || text[0] != '2')
        return {};
    std::size_t i = 1;
    if (i < text.size() && text[i] == '/') {
        auto comma = text.find(',', i);
        if (comma == std::string_view::npos)
            return {};
        i = comma + 1;
    }
    while (i < text.size() && text[i] >= '0' && text[i] <= '9')
        ++i;
    net::error_code ec;
    json::value v = json::parse(text.substr(i), ec);
    if (ec || !v.is_array())
        return {};
    return std::move(v.get_array());
}

struct counts {
    std::uint64_t connections = 0;
    std::map<std::string, std::uint64_t, std::less<>> disconnections; // by reason
    std::uint64_t packets_in = 0, packets_out = 0, bytes_in = 0, bytes_out = 0;
};

struct shard_report {
    counts c;
    std::vector<std::pair<std::string, std::size_t>> namespaces;
};

} // namespace

// ----------------------------------------------------------------------------------------- impl

struct admin_ui::impl {
    settings& s;
    std::vector<shard> shards;
    std::vector<std::unique_ptr<probe>> probes;
    socketio::cluster cluster;
    std::string channel;
    std::vector<std::string> features;
    std::unique_ptr<redis::subscriber> sub; // shard 0
    std::unique_ptr<redis::connection> pub; // shard 0: publishes and sessions
    net::asio::thread_pool passwords{1};    // bcrypt off the shards
    std::atomic<int> local_admins{0};
    std::atomic<std::int64_t> watched_until{0}; // ms: another instance has an admin
    std::atomic<bool> stopping{false};
    std::atomic<std::int64_t> cap_second{0};
    std::atomic<std::size_t> cap_used{0};
    std::atomic<std::uint64_t> dropped{0};
    net::steady_timer* timer = nullptr; // shard 0
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    struct fetch {
        std::size_t shard = 0;
        std::string socket_id;
        json::array sockets;
    };
    std::unordered_map<std::string, fetch> fetches; // shard 0

    explicit impl(settings& st) : s(st), channel(st.prefix + "#admin-ui") {}

    bool verbose() const { return s.mode != mode::production; }
    bool watched() const {
        return local_admins.load() > 0 || util::now_ms() < watched_until.load();
    }
    std::string session_key(std::string_view id) const {
        return s.prefix + ":admin-ui:session:" + sha256_hex(id);
    }

    // From any shard: PUBLISH on the bus, through shard 0's connection.
    void publish(json::object msg) {
        msg["from"] = s.server_id;
        std::string text = json::serialize(msg);
        net::asio::post(shards[0].executor, [this, text = std::move(text)] {
            if (!pub || stopping.load())
                return;
            redis::request req;
            req.push("PUBLISH", channel, text);
            pub->async_exec(req, [](net::error_code ec, const std::vector<redis::reply>&) {
                if (ec)
                    log::debug("admin_publish_failed", {{"error", ec.message()}});
            });
        });
    }

    // A fine-grained event (development and readonly modes, while watched), within the cap.
    bool may_emit() {
        if (!verbose() || !watched())
            return false;
        const std::int64_t second = util::now_ms() / 1000;
        if (cap_second.exchange(second) != second)
            cap_used.store(0);
        if (cap_used.fetch_add(1) >= s.max_events_per_second) {
            dropped.fetch_add(1);
            return false;
        }
        return true;
    }
    void publish_event(std::string_view name, json::array args) {
        json::object m;
        m["kind"] = "event";
        m["event"] = name;
        m["args"] = std::move(args);
        publish(std::move(m));
    }

    // To the admin sockets of this instance, on every shard.
    void to_admins(std::string_view name, json::array args) {
        if (local_admins.load() <= 0)
            return;
        cluster.of(s.namespace_name).emit(name, std::move(args));
    }

    void on_bus(std::string_view payload);
    void apply_command(const json::object& cmd);
    net::awaitable<json::array> local_sockets();
    net::awaitable<void> answer_fetch(std::string req, std::string to);
    void begin_fetch(std::size_t shard_index, std::string socket_id);
    net::awaitable<void> stats_loop();
    net::awaitable<void> stats_tick();
    net::awaitable<bool> session_valid(std::string id);
    net::awaitable<void> save_session(std::string id);
    void declare(std::size_t index);
};

// ---------------------------------------------------------------------------------------- probe

class admin_ui::probe : public socketio::observer {
public:
    probe(admin_ui::impl& ui, shard sh) : ui_(ui), shard_(std::move(sh)) {}

    counts take() { return std::exchange(counts_, counts{}); }

    std::vector<std::pair<std::string, std::size_t>> namespaces() const {
        std::vector<std::pair<std::string, std::size_t>> out;
        shard_.io->for_each_namespace(
            [&](const socketio::namespace_& ns) { out.emplace_back(ns.name(), ns.size()); });
        return out;
    }

    void list(json::array& out, std::size_t max) const {
        shard_.io->for_each_namespace([&](const socketio::namespace_& ns) {
            ns.for_each([&](const socket& s) {
                if (out.size() < max)
                    out.push_back(serialize(s));
            });
        });
    }

    void command(const json::object& cmd) {
        const auto* nsp = cmd.if_contains("nsp");
        const auto* op = cmd.if_contains("op");
        if (!nsp || !nsp->is_string() || !op || !op->is_string())
            return;
        auto* ns = shard_.io->find(nsp->get_string());
        if (!ns)
            return;
        std::string filter, room;
        if (const auto* f = cmd.if_contains("filter"); f && f->is_string())
            filter = f->get_string();
        if (const auto* r = cmd.if_contains("room"); r && r->is_string())
            room = r->get_string();
        const bool close =
            cmd.contains("close") && cmd.at("close").is_bool() && cmd.at("close").get_bool();
        const std::string_view what = op->get_string();
        ns->for_each([&](socket& s) {
            if (!filter.empty() && s.id() != filter && !s.in(filter))
                return;
            if (what == "join" && !room.empty())
                s.join(room);
            else if (what == "leave" && !room.empty())
                s.leave(room);
            else if (what == "disconnect")
                s.disconnect(close);
        });
    }

    // --- observer ---
    void client_opened(const socketio::client&) override { ++counts_.connections; }
    void client_closed(const socketio::client&, std::string_view reason) override {
        auto it = counts_.disconnections.find(reason);
        if (it == counts_.disconnections.end())
            counts_.disconnections.emplace(std::string(reason), 1);
        else
            ++it->second;
    }
    void message_in(std::size_t bytes) override {
        ++counts_.packets_in;
        counts_.bytes_in += bytes;
    }
    void message_out(std::size_t bytes) override {
        ++counts_.packets_out;
        counts_.bytes_out += bytes;
    }

    void connected(socket& s) override {
        if (!ui_.verbose())
            return;
        const auto& hs = s.handshake();
        info i;
        i.address = hs.remote;
        i.issued = util::now_ms();
        i.query = query_object(hs.query);
        for (const char* h : {"host", "origin", "user-agent", "accept-language"}) {
            auto v = hs.header(h);
            if (!v.empty())
                i.headers[h] = v;
        }
        i.xdomain = !hs.header("origin").empty();
        auto q = hs.url.find('?');
        i.path = q == std::string::npos ? hs.url : hs.url.substr(0, q);
        info_[&s] = std::move(i);
        if (ui_.may_emit()) {
            json::array a;
            a.push_back(serialize(s));
            a.push_back(date_now());
            ui_.publish_event("socket_connected", std::move(a));
        }
    }
    void disconnected(socket& s, std::string_view reason) override {
        info_.erase(&s);
        if (ui_.may_emit()) {
            json::array a{json::value(s.nsp_name()), json::value(s.id()), json::value(reason),
                          date_now()};
            ui_.publish_event("socket_disconnected", std::move(a));
        }
    }
    void joined(socket& s, const std::string& room) override { room_event(s, room, true); }
    void left(socket& s, const std::string& room) override { room_event(s, room, false); }

    void event_in(socket& s, const socketio::event& ev) override {
        if (s.nsp_name() == ui_.s.namespace_name || !ui_.may_emit())
            return;
        json::array args;
        args.push_back(json::value(ev.name));
        for (const auto& a : ev.args)
            args.push_back(a);
        json::value all(std::move(args));
        redact(all);
        json::array a{json::value(s.nsp_name()), json::value(s.id()), std::move(all), date_now()};
        ui_.publish_event("event_received", std::move(a));
    }
    void event_out(socket& s, std::string_view name, const json::array& args) override {
        if (s.nsp_name() == ui_.s.namespace_name || !ui_.may_emit())
            return;
        json::array all;
        all.push_back(json::value(name));
        for (const auto& a : args)
            all.push_back(a);
        sent(s, std::move(all));
    }
    void frame_out(socket& s, const socketio::frame& f) override {
        if (s.nsp_name() == ui_.s.namespace_name || !ui_.may_emit())
            return;
        if (f.text != last_frame_) { // one frame comes once per receiver: parse it once
            last_frame_ = f.text;
            last_args_ = frame_args(*f.text);
        }
        sent(s, last_args_);
    }

private:
    struct info {
        std::string address;
        std::int64_t issued = 0;
        json::object headers;
        json::object query;
        std::string path;
        bool xdomain = false;
    };

    json::object serialize(const socket& s) const {
        json::object o;
        o["id"] = s.id();
        const auto& session = s.connection().session();
        // The Engine.IO id is a credential (polling): the UI gets a prefix, as the reference's.
        o["clientId"] = session.id().substr(0, 12);
        o["transport"] =
            session.transport() == engineio::transport_kind::websocket ? "websocket" : "polling";
        o["nsp"] = s.nsp_name();
        o["data"] = shard_.describe ? shard_.describe(s) : json::object();
        json::object hs;
        auto it = info_.find(&s);
        const std::int64_t issued = it != info_.end() ? it->second.issued : util::now_ms();
        hs["address"] = it != info_.end() ? it->second.address : std::string();
        hs["headers"] = it != info_.end() ? it->second.headers : json::object();
        hs["query"] = it != info_.end() ? it->second.query : json::object();
        hs["issued"] = issued;
        hs["secure"] = false;
        hs["time"] = util::iso8601(issued);
        hs["url"] = it != info_.end() ? it->second.path : std::string();
        hs["xdomain"] = it != info_.end() && it->second.xdomain;
        o["handshake"] = std::move(hs);
        json::array rooms;
        rooms.push_back(json::value(s.id()));
        for (const auto& r : s.rooms())
            rooms.push_back(json::value(r));
        o["rooms"] = std::move(rooms);
        return o;
    }

    void room_event(socket& s, const std::string& room, bool join) {
        if (!ui_.may_emit())
            return;
        json::array a{json::value(s.nsp_name()), json::value(room), json::value(s.id()),
                      date_now()};
        ui_.publish_event(join ? "room_joined" : "room_left", std::move(a));
    }

    void sent(socket& s, json::array all) {
        json::value v(std::move(all));
        redact(v);
        json::array a{json::value(s.nsp_name()), json::value(s.id()), std::move(v), date_now()};
        ui_.publish_event("event_sent", std::move(a));
    }

    admin_ui::impl& ui_;
    shard shard_;
    counts counts_;
    std::unordered_map<const socket*, info> info_;
    engineio::shared_text last_frame_; // kept alive, so its address is not reused meanwhile
    json::array last_args_;
};

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

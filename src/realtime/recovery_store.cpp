#include "realtime/recovery_store.hpp"

#include "realtime/adapter_codec.hpp"
#include "realtime/msgpack.hpp"
#include "realtime/msgpack_json.hpp"
#include "realtime/stream_codec.hpp"
#include "redis/connection.hpp"
#include "redis/script.hpp"
#include "socketio/socket.hpp"
#include "util/base64.hpp"
#include "util/log.hpp"

#include <array>
#include <cstdio>
#include <random>

namespace senna::realtime {

namespace {

// KEYS: the session, and (unless split) this instance's registry and the instances set. ARGV:
// record, pid, head, instance id. A fresh pid (or one just taken) has no record: anything there
// is someone else's. Split (the cluster layout), the registry's HSET and SADD follow a 1.
constexpr const char* keep_lua = R"lua(
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
if KEYS[2] then
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
  redis.call('SADD', KEYS[3], ARGV[4])
end
return 1
)lua";

// Split (the cluster layout): the registry's side of a close. KEYS: this instance's registry.
// ARGV: head, pid.
constexpr const char* unregister_lua = R"lua(
if redis.call('HGET', KEYS[1], ARGV[2]) == ARGV[1] then redis.call('HDEL', KEYS[1], ARGV[2]) end
return 0
)lua";

// KEYS: the session. ARGV: head, record. Only while the record is still this connection's.
constexpr const char* change_lua = R"lua(
local v = redis.call('GET', KEYS[1])
if not v or string.sub(v, 1, #ARGV[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
)lua";

// KEYS: the session, and (unless split) this instance's registry. ARGV: head, pid, window in ms
// ("0": forget it). Returns 2 when kept for the window, 1 when forgotten, 0 when it was not ours
// any more.
constexpr const char* close_lua = R"lua(
if KEYS[2] and redis.call('HGET', KEYS[2], ARGV[2]) == ARGV[1] then
  redis.call('HDEL', KEYS[2], ARGV[2])
end
local v = redis.call('GET', KEYS[1])
if not v or string.sub(v, 1, #ARGV[1]) ~= ARGV[1] then return 0 end
if ARGV[3] == '0' then
  redis.call('DEL', KEYS[1])
  return 1
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 2
)lua";

std::uint64_t fresh_tag() {
    thread_local std::mt19937_64 gen{[] {
        std::random_device rd;
        return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    }()};
    std::uint64_t t = 0;
    while (t == 0)
        t = gen();
    return t;
}

std::string hex16(std::uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return std::string(buf, 16);
}

void warn_on_failure(const char* op, net::error_code ec, const redis::reply& r) {
    if (ec)
        log::warn("recovery_store_failed", {{"op", op}, {"error", ec.message()}});
    else if (r.is_error())
        log::warn("recovery_store_failed", {{"op", op}, {"error", std::string(r.as_string())}});
}

} // namespace

void recovery_stats::render(std::string& out) const {
    namespace m = util::metrics;
    m::counter_lines(out, "senna_recovery_sessions_saved_total",
                     "Socket.IO sessions kept for the recovery window after their connection "
                     "closed.",
                     saved.value());
    m::counter_lines(out, "senna_recovery_sessions_restored_total",
                     "Socket.IO sessions restored (connection state recovery).", restored.value());
    m::counter_lines(out, "senna_recovery_sessions_expired_total",
                     "Restores asked for whose session or offset was gone (expired, taken, "
                     "trimmed).",
                     expired.value());
    m::counter_lines(out, "senna_recovery_packets_replayed_total",
                     "Missed packets sent to restored sockets.", replayed.value());
}

std::string encode_session(const socketio::session& s, std::uint64_t tag) {
    std::string raw;
    raw.reserve(128 + s.rooms.size() * 24);
    msgpack::put_map_header(5, raw);
    msgpack::put_str("o", raw);
    msgpack::put_str(hex16(tag), raw);
    msgpack::put_str("sid", raw);
    msgpack::put_str(s.sid, raw);
    msgpack::put_str("pid", raw);
    msgpack::put_str(s.pid, raw);
    msgpack::put_str("rooms", raw);
    msgpack::put_array_header(s.rooms.size() + 1, raw);
    msgpack::put_str(s.sid, raw); // as socket.rooms has it
    for (const auto& r : s.rooms)
        msgpack::put_str(r, raw);
    msgpack::put_str("data", raw);
    msgpack::encode_json(s.data, raw);
    std::string out;
    util::base64_encode(raw, util::base64_alphabet::standard, true, out);
    return out;
}

std::string session_head(std::uint64_t tag) {
    // map header, "o", its 16 characters and the first byte of "sid": 21 bytes, 28 characters.
    std::string raw;
    msgpack::put_map_header(5, raw);
    msgpack::put_str("o", raw);
    msgpack::put_str(hex16(tag), raw);
    raw += '\xa3';
    std::string out;
    util::base64_encode(raw, util::base64_alphabet::standard, true, out);
    return out;
}

std::optional<socketio::session> decode_session(std::string_view record) {
    std::string raw;
    if (!util::base64_decode(record, util::base64_alphabet::standard, util::base64_mode::lenient,
                             raw))
        return std::nullopt;
    auto v = msgpack::decode(raw);
    if (!v || !v->if_map())
        return std::nullopt;
    const auto* sid = v->find("sid");
    const auto* pid = v->find("pid");
    const auto* rooms = v->find("rooms");
    if (!sid || !sid->if_string() || !pid || !pid->if_string())
        return std::nullopt;
    socketio::session s;
    s.sid = *sid->if_string();
    s.pid = *pid->if_string();
    if (rooms && rooms->if_array())
        for (const auto& r : *rooms->if_array())
            if (const auto* str = r.if_string(); str && *str != s.sid)
                s.rooms.push_back(*str);
    if (const auto* data = v->find("data")) {
        std::vector<std::string> unused;
        s.data = msgpack::to_json(*data, unused, socketio_placeholders);
    }
    return s;
}

recovery_store::recovery_store(redis::connection& redis, recovery_store_settings s,
                               recovery_stats& stats)
    : redis_(redis), settings_(std::move(s)), stats_(stats),
      keep_(std::make_unique<redis::script>(keep_lua)),
      change_(std::make_unique<redis::script>(change_lua)),
      close_(std::make_unique<redis::script>(close_lua)),
      unregister_(std::make_unique<redis::script>(unregister_lua)) {}

recovery_store::~recovery_store() = default;

void recovery_store::keep(socketio::socket& s) {
    s.store_tag = fresh_tag();
    const std::string key = settings_.session_prefix + s.pid();
    const std::string record = encode_session(s.snapshot(), s.store_tag);
    const std::string head = session_head(s.store_tag);
    std::array<std::string_view, 3> keys{key, settings_.registry, settings_.instances};
    std::array<std::string_view, 4> args{record, s.pid(), head, settings_.instance_id};
    if (!settings_.split) {
        redis_.async_evalsha(*keep_, keys, args, [](net::error_code ec, const redis::replies& rs) {
            const redis::reply& r = rs.front();
            warn_on_failure("keep", ec, r);
        });
        return;
    }
    redis_.async_evalsha(*keep_, std::span<const std::string_view>(keys).first(1), args,
                         [this, pid = s.pid(), head](net::error_code ec, const redis::replies& rs) {
                             const redis::reply& r = rs.front();
                             warn_on_failure("keep", ec, r);
                             if (ec || r.integer != 1)
                                 return;
                             redis::request req;
                             req.push("HSET", settings_.registry, pid, head);
                             req.push("SADD", settings_.instances, settings_.instance_id);
                             redis_.async_exec(req,
                                               [](net::error_code e, const redis::replies& stored) {
                                                   warn_on_failure("keep", e, stored.front());
                                               });
                         });
}

void recovery_store::changed(socketio::socket& s) {
    const std::string key = settings_.session_prefix + s.pid();
    const std::string record = encode_session(s.snapshot(), s.store_tag);
    const std::string head = session_head(s.store_tag);
    std::array<std::string_view, 1> keys{key};
    std::array<std::string_view, 2> args{head, record};
    redis_.async_evalsha(*change_, keys, args, [](net::error_code ec, const redis::replies& rs) {
        const redis::reply& r = rs.front();
        warn_on_failure("change", ec, r);
    });
}

void recovery_store::closed(socketio::socket& s, bool recoverable) {
    const std::string key = settings_.session_prefix + s.pid();
    const std::string head = session_head(s.store_tag);
    const std::string ttl = recoverable ? std::to_string(settings_.window.count()) : "0";
    std::array<std::string_view, 2> keys{key, settings_.registry};
    std::array<std::string_view, 3> args{head, s.pid(), ttl};
    if (settings_.split) {
        std::array<std::string_view, 1> registry{settings_.registry};
        redis_.async_evalsha(*unregister_, registry,
                             std::span<const std::string_view>(args).first(2),
                             [](net::error_code ec, const redis::replies& rs) {
                                 warn_on_failure("close", ec, rs.front());
                             });
    }
    redis_.async_evalsha(*close_,
                         std::span<const std::string_view>(keys).first(settings_.split ? 1 : 2),
                         args, [&stats = stats_](net::error_code ec, const redis::replies& rs) {
                             const redis::reply& r = rs.front();
                             warn_on_failure("close", ec, r);
                             if (!ec && r.integer == 2)
                                 stats.saved.inc();
                         });
}

net::awaitable<std::optional<socketio::session>> recovery_store::take(std::string nsp,
                                                                      std::string pid) {
    (void)nsp; // one key space for every namespace, as the adapter keys sessions by pid alone
    redis::request req;
    req.push("GETDEL", settings_.session_prefix + pid);
    auto [ec, replies] = co_await redis_.exec(req);
    std::optional<socketio::session> out;
    if (ec) {
        log::warn("recovery_store_failed", {{"op", "take"}, {"error", ec.message()}});
    } else if (!replies.empty() && replies[0].type == redis::reply::kind::string) {
        out = decode_session(replies[0].as_string());
        if (out && out->pid != pid)
            out.reset();
    }
    if (!out)
        stats_.expired.inc();
    co_return out;
}

net::awaitable<std::optional<std::vector<socketio::frame>>>
recovery_store::missed(std::string nsp, std::vector<std::string> rooms, socketio::offset from) {
    const std::string count = std::to_string(settings_.page);
    std::string after = from.text();
    std::vector<socketio::frame> out;
    // First page with the check that `from` is still in the log, atomically: an offset trimmed
    // away means the entries after it may be gone too.
    redis::request first;
    first.push("MULTI");
    first.push("XRANGE", settings_.log, after, after);
    first.push("XRANGE", settings_.log, "(" + after, "+", "COUNT", count);
    first.push("EXEC");
    auto [ec, replies] = co_await redis_.exec(first);
    if (ec || replies.size() != 4 || !replies[3].is_array() || replies[3].elements.size() != 2) {
        log::warn("recovery_store_failed",
                  {{"op", "missed"}, {"error", ec ? ec.message() : std::string("bad reply")}});
        stats_.expired.inc();
        co_return std::nullopt;
    }
    if (parse_xrange(replies[3].elements[0]).empty()) {
        stats_.expired.inc();
        co_return std::nullopt;
    }
    // A view: into `replies` for the first page, then into `held`, the owner of the last one.
    redis::reply page = replies[3].elements[1];
    redis::replies held;
    for (std::size_t n = 0;; ++n) {
        auto entries = parse_xrange(page);
        for (auto& e : entries) {
            after = e.id;
            if (e.nsp != nsp || e.type != "3")
                continue;
            auto at = socketio::offset::parse(e.id);
            auto m = decode_entry(e);
            if (!at || !m || m->id || m->is_volatile() || !receives(rooms, m->rooms, m->except))
                continue;
            out.push_back(replay_frame(nsp, std::move(*m), *at));
        }
        if (entries.size() < settings_.page)
            break;
        if (n + 1 >= settings_.max_pages) {
            // Too much to replay: a fresh connection (and the inbox, then history) is better.
            stats_.expired.inc();
            co_return std::nullopt;
        }
        redis::request next;
        next.push("XRANGE", settings_.log, "(" + after, "+", "COUNT", count);
        auto [ec2, more] = co_await redis_.exec(next);
        if (ec2 || more.empty() || more[0].is_error()) {
            stats_.expired.inc();
            co_return std::nullopt;
        }
        page = more[0];
        held = std::move(more); // its views stay valid: `page` lives on into the next round
    }
    stats_.restored.inc();
    stats_.replayed.inc(out.size());
    co_return out;
}

} // namespace senna::realtime

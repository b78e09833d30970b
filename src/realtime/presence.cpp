#include "realtime/presence.hpp"

#include "redis/connection.hpp"
#include "redis/request.hpp"
#include "redis/script.hpp"
#include "util/log.hpp"
#include "util/time.hpp"

#include <algorithm>
#include <array>
#include <ctime>

namespace senna::realtime {

namespace {

// Shared by the scripts: a transition of the status shown, announced on the presence channel
// and, with `hook` and a stream among the script's KEYS (the seed layout), appended to the
// webhook stream. User ids are [A-Za-z0-9_-] and times ISO-8601: nothing to escape in the JSON
// (hook_data() writes the same).
constexpr std::string_view shown_lua = R"lua(
local function show(status_key, user, status, at, channel, stream, hook)
  redis.call('HSET', status_key, 'status', status, 'last_active', at)
  local la = at == '' and 'null' or ('"' .. at .. '"')
  redis.call('PUBLISH', channel,
             '{"user":"' .. user .. '","status":"' .. status .. '","last_active":' .. la .. '}')
  if hook and stream then
    redis.call('XADD', stream, '*', 'event', 'user.' .. status, 'user', user,
               'data', '{"status":"' .. status .. '","last_active":' .. la .. '}')
  end
end

-- The instances ARGV[from] on, read as dead before the script (their heartbeat key was gone).
local function dead_set(from)
  local d = {}
  for i = from, #ARGV do d[ARGV[i]] = true end
  return d
end

-- The fields of the presence hash `key` that name instance `me` or one not known to be dead;
-- with `drop`, the fields of the dead go.
local function live_in(key, me, dead, drop)
  local live = 0
  for _, f in ipairs(redis.call('HKEYS', key)) do
    if f == me or not dead[f] then
      live = live + 1
    elseif drop then
      redis.call('HDEL', key, f)
    end
  end
  return live
end
)lua";

// KEYS: presence:U, activity:U, status:U, and in the seed layout instance:I:users, instances,
// grace, the webhook stream. ARGV: I, U, now (ISO), channel, "1" to append user.online.
// Back within the grace window (status still online): nothing is announced. Returns 1 when U
// became online.
constexpr std::string_view arrive_lua = R"lua(
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HSET', KEYS[2], 'status', 'active')
if KEYS[4] then
  redis.call('SADD', KEYS[4], ARGV[2])
  redis.call('SADD', KEYS[5], ARGV[1])
  redis.call('ZREM', KEYS[6], ARGV[2])
end
if redis.call('HGET', KEYS[3], 'status') == 'online' then return 0 end
show(KEYS[3], ARGV[2], 'online', ARGV[3], ARGV[4], KEYS[7], ARGV[5] == '1')
return 1
)lua";

// KEYS: presence:U, activity:U, and in the seed layout instance:I:users, grace.
// ARGV: I, U, now (ISO), when U goes offline (epoch ms), dead instances...
// Fields of dead instances are dropped on the way. Returns {I's sockets of U left, live
// instances of U}.
constexpr std::string_view leave_lua = R"lua(
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if n <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  if KEYS[3] then redis.call('SREM', KEYS[3], ARGV[2]) end
end
local live = live_in(KEYS[1], ARGV[1], dead_set(5), true)
if live == 0 then
  redis.call('HSET', KEYS[2], 'status', 'inactive', 'last_active', ARGV[3])
  if KEYS[4] then redis.call('ZADD', KEYS[4], ARGV[4], ARGV[2]) end
end
return {n, live}
)lua";

// The sweep, for one user of a dead instance D. KEYS: presence:U, activity:U, and in the seed
// layout grace. ARGV: D, now (ISO), when U goes offline (epoch ms), U, I (ourselves), dead
// instances... Returns 1 when U has no live instance left.
constexpr std::string_view drop_lua = R"lua(
redis.call('HDEL', KEYS[1], ARGV[1])
if live_in(KEYS[1], ARGV[5], dead_set(6), false) > 0 then return 0 end
redis.call('HSET', KEYS[2], 'status', 'inactive', 'last_active', ARGV[2])
if KEYS[3] then redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4]) end
return 1
)lua";

// The grace window's end, for one user taken from the grace set. KEYS: status:U, activity:U,
// presence:U, and in the seed layout the webhook stream. ARGV: U, I, channel, "1" to append
// user.offline, dead instances... A user still without a live socket who was shown online
// goes offline, with the last_active of their last socket's departure: returns {1, that time}.
constexpr std::string_view offline_lua = R"lua(
if live_in(KEYS[3], ARGV[2], dead_set(5), false) > 0 then return 0 end
if redis.call('HGET', KEYS[1], 'status') ~= 'online' then return 0 end
local at = redis.call('HGET', KEYS[2], 'last_active') or ''
show(KEYS[1], ARGV[1], 'offline', at, ARGV[3], KEYS[4], ARGV[4] == '1')
return {1, at}
)lua";

// A dead instance's recovery session (recovery_store.hpp): the window starts now while the
// record is still its own (head unchanged); else another server took it. KEYS: the session.
// ARGV: head, window (ms).
constexpr std::string_view session_lua = R"lua(
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, #ARGV[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
)lua";

/** Users taken per expire() call; the rest wait for the next tick. */
constexpr int expire_batch = 500;

std::string script_text(std::string_view body) {
    return std::string(shown_lua) + std::string(body);
}

void log_failure(const char* what, const net::error_code& ec, const redis::reply& r) {
    if (ec)
        log::warn("presence_failed", {{"op", what}, {"error", ec.message()}});
    else if (r.is_error())
        log::warn("presence_failed", {{"op", what}, {"error", std::string(r.as_string())}});
}

void log_failure(const char* what, const net::error_code& ec, const redis::replies& rs) {
    if (ec) {
        log::warn("presence_failed", {{"op", what}, {"error", ec.message()}});
        return;
    }
    for (const auto& r : rs)
        if (r.is_error()) {
            log::warn("presence_failed", {{"op", what}, {"error", std::string(r.as_string())}});
            return;
        }
}

std::string epoch_ms_after(std::chrono::milliseconds d) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    return std::to_string((now + d).count());
}

// The string views of `fixed` followed by `more`, for evalsha.
std::vector<std::string_view> views(std::initializer_list<std::string_view> fixed,
                                    const std::vector<std::string>& more = {}) {
    std::vector<std::string_view> v(fixed);
    v.insert(v.end(), more.begin(), more.end());
    return v;
}

} // namespace

std::string iso_now() {
    return util::iso8601(util::now_ms());
}

presence::presence(redis::connection& redis, presence_settings s)
    : redis_(redis), settings_(std::move(s)),
      arrive_(std::make_unique<redis::script>(script_text(arrive_lua))),
      leave_(std::make_unique<redis::script>(script_text(leave_lua))),
      drop_(std::make_unique<redis::script>(script_text(drop_lua))),
      offline_(std::make_unique<redis::script>(script_text(offline_lua))),
      session_(std::make_unique<redis::script>(std::string(session_lua))) {
    if (settings_.channel.empty())
        settings_.channel = settings_.names.presence_channel();
    if (settings_.webhook_stream.empty())
        settings_.webhook_stream = settings_.names.webhooks();
}

presence::~presence() = default;

net::awaitable<std::vector<std::string>> presence::dead_among(std::vector<std::string> instances) {
    std::erase(instances, settings_.instance_id);
    std::sort(instances.begin(), instances.end());
    instances.erase(std::unique(instances.begin(), instances.end()), instances.end());
    std::vector<std::string> dead;
    if (instances.empty())
        co_return dead;
    redis::request req;
    for (const auto& i : instances)
        req.push("EXISTS", settings_.names.instance(i));
    auto [ec, replies] = co_await redis_.exec(req);
    if (ec || replies.size() != instances.size())
        co_return dead;
    for (std::size_t i = 0; i < instances.size(); ++i)
        if (replies[i].type == redis::reply::kind::integer && replies[i].integer == 0)
            dead.push_back(std::move(instances[i]));
    co_return dead;
}

net::awaitable<std::vector<std::string>>
presence::instances_of(const std::vector<chat::id>& users) {
    std::vector<std::string> out;
    if (users.empty())
        co_return out;
    redis::request req;
    for (const auto& u : users)
        req.push("HKEYS", settings_.names.presence(u));
    auto [ec, replies] = co_await redis_.exec(req);
    if (ec)
        co_return out;
    for (const auto& r : replies)
        for (const auto& f : r.elements)
            out.emplace_back(f.as_string());
    co_return out;
}

net::awaitable<void> presence::hook(const chat::id& user, std::string_view status,
                                    std::string_view at) {
    // Appended piece by piece: GCC 12 at -O2 calls the "literal" + std::string form -Wrestrict.
    std::string data = R"({"status":")";
    data += status;
    data += R"(","last_active":)";
    if (at.empty()) {
        data += "null";
    } else {
        data += '"';
        data += at;
        data += '"';
    }
    data += '}';
    redis::request req;
    req.push("XADD", settings_.webhook_stream, "*", "event", "user." + std::string(status), "user",
             user.text, "data", data);
    auto [ec, replies] = co_await redis_.exec(req);
    log_failure("hook", ec, replies);
}

net::awaitable<void> presence::arrived(chat::id user) {
    const auto& n = settings_.names;
    const std::string pk = n.presence(user), ak = n.activity(user), sk = n.status(user);
    const std::string uk = n.instance_users(settings_.instance_id), ik = n.instances();
    const std::string gk = n.presence_grace();
    const std::string now = iso_now();
    std::vector<std::string_view> keys{pk, ak, sk};
    if (!cluster())
        keys.insert(keys.end(), {uk, ik, gk, settings_.webhook_stream});
    std::array<std::string_view, 5> args{settings_.instance_id, user.text, now, settings_.channel,
                                         settings_.webhook_online ? "1" : "0"};
    auto [ec, r_owner] = co_await redis_.evalsha(*arrive_, keys, args);
    const redis::reply& r = r_owner.front();
    log_failure("arrived", ec, r);
    if (ec || r.is_error() || !cluster())
        co_return;
    // The cluster layout: the registry's slot after the user's, then the stream's.
    redis::request req;
    req.push("SADD", uk, user.text);
    req.push("SADD", ik, settings_.instance_id);
    req.push("ZREM", gk, user.text);
    auto [ec2, replies] = co_await redis_.exec(req);
    log_failure("arrived", ec2, replies);
    if (r.integer == 1 && settings_.webhook_online)
        co_await hook(user, "online", now);
}

net::awaitable<void> presence::left(chat::id user) {
    const auto& n = settings_.names;
    const std::string pk = n.presence(user), ak = n.activity(user);
    const std::string uk = n.instance_users(settings_.instance_id), gk = n.presence_grace();
    const std::string now = iso_now();
    const std::string until = epoch_ms_after(settings_.grace);
    const std::vector<chat::id> one{user};
    auto fields = co_await instances_of(one);
    const auto dead = co_await dead_among(std::move(fields));
    std::vector<std::string_view> keys{pk, ak};
    if (!cluster())
        keys.insert(keys.end(), {uk, gk});
    const auto args = views({settings_.instance_id, user.text, now, until}, dead);
    auto [ec, r_owner] = co_await redis_.evalsha(*leave_, keys, args);
    const redis::reply& r = r_owner.front();
    log_failure("left", ec, r);
    if (ec || r.is_error() || !cluster() || r.elements.size() != 2)
        co_return;
    redis::request req;
    if (r.elements[0].integer <= 0)
        req.push("SREM", uk, user.text);
    if (r.elements[1].integer == 0)
        req.push("ZADD", gk, until, user.text);
    if (req.empty())
        co_return;
    auto [ec2, replies] = co_await redis_.exec(req);
    log_failure("left", ec2, replies);
}

net::awaitable<void> presence::beat() {
    const auto& n = settings_.names;
    const std::string key = n.instance(settings_.instance_id);
    const std::string ttl = std::to_string(settings_.heartbeat.count() * 3);
    redis::request req;
    req.push("SET", key, "1", "PX", ttl);
    req.push("SMEMBERS", n.instances());
    auto [ec, replies] = co_await redis_.exec(req);
    if (ec) {
        log::warn("presence_failed", {{"op", "heartbeat"}, {"error", ec.message()}});
        co_return;
    }
    if (replies[0].error_kind() == redis::server_error::oom) {
        // A full Redis refuses SET but not PEXPIRE, which only extends the key we have: without
        // it every instance's key would expire and all users would turn inactive while full.
        redis::request extend;
        extend.push("PEXPIRE", key, ttl);
        co_await redis_.exec(extend);
    }
    std::vector<std::string> known;
    for (const auto& m : replies[1].elements)
        known.emplace_back(m.as_string());
    const auto dead = co_await dead_among(std::move(known));
    for (const auto& d : dead)
        co_await sweep(d, dead);
}

net::awaitable<void> presence::sweep(const std::string& dead,
                                     const std::vector<std::string>& all_dead) {
    const auto& n = settings_.names;
    const std::string users_key = n.instance_users(dead), sessions_key = n.instance_sessions(dead);
    redis::request req;
    req.push("SMEMBERS", users_key);
    req.push("HGETALL", sessions_key);
    auto [ec, replies] = co_await redis_.exec(req);
    if (ec || replies.size() != 2) {
        log_failure("sweep", ec, replies);
        co_return;
    }
    const std::string now = iso_now();
    const std::string until = epoch_ms_after(settings_.grace);
    const std::string gk = n.presence_grace();
    std::vector<std::string> gone; // users left without a live instance (cluster layout)
    for (const auto& m : replies[0].elements) {
        auto u = chat::id::parse(m.as_string());
        if (!u)
            continue;
        const std::string pk = n.presence(*u), ak = n.activity(*u);
        std::vector<std::string_view> keys{pk, ak};
        if (!cluster())
            keys.push_back(gk);
        const auto args = views({dead, now, until, u->text, settings_.instance_id}, all_dead);
        auto [e, r_owner] = co_await redis_.evalsha(*drop_, keys, args);
        const redis::reply& r = r_owner.front();
        log_failure("sweep", e, r);
        if (!e && r.integer == 1)
            gone.push_back(u->text);
    }
    redis::request after;
    if (cluster() && !gone.empty()) {
        std::vector<std::string> pairs;
        for (auto& u : gone) {
            pairs.push_back(until);
            pairs.push_back(std::move(u));
        }
        after.push_range("ZADD", gk, pairs);
    }
    // Its sockets' recovery sessions: each in its own key (and, in a cluster, its own slot).
    const auto& live = replies[1].elements;
    if (!settings_.session_prefix.empty()) {
        const std::string window = std::to_string(settings_.session_window.count());
        for (std::size_t i = 0; i + 1 < live.size(); i += 2) {
            const std::string k = settings_.session_prefix + std::string(live[i].as_string());
            std::array<std::string_view, 1> keys{k};
            std::array<std::string_view, 2> args{live[i + 1].as_string(), window};
            auto [e, r_owner] = co_await redis_.evalsha(*session_, keys, args);
            const redis::reply& r = r_owner.front();
            log_failure("sweep", e, r);
        }
    }
    after.push("DEL", users_key);
    after.push("DEL", sessions_key);
    after.push("SREM", n.instances(), dead);
    auto [ec2, r2] = co_await redis_.exec(after);
    log_failure("sweep", ec2, r2);
}

net::awaitable<void> presence::expire() {
    const auto& n = settings_.names;
    const std::string gk = n.presence_grace();
    const std::string now = epoch_ms_after(std::chrono::milliseconds(0));
    redis::request req;
    req.push("ZRANGEBYSCORE", gk, "-inf", now, "LIMIT", 0LL, static_cast<long long>(expire_batch));
    auto [ec, due] = co_await redis_.exec(req);
    if (ec || due.empty() || due[0].is_error() || due[0].elements.empty()) {
        log_failure("expire", ec, due);
        co_return;
    }
    // Each user is taken by the one ZREM that removes it: one instance announces it.
    req.clear();
    for (const auto& u : due[0].elements)
        req.push("ZREM", gk, u.as_string());
    auto [ec2, taken] = co_await redis_.exec(req);
    if (ec2 || taken.size() != due[0].elements.size()) {
        log_failure("expire", ec2, taken);
        co_return;
    }
    std::vector<chat::id> users;
    for (std::size_t i = 0; i < taken.size(); ++i)
        if (taken[i].integer == 1)
            if (auto u = chat::id::parse(due[0].elements[i].as_string()))
                users.push_back(std::move(*u));
    auto fields = co_await instances_of(users);
    const auto dead = co_await dead_among(std::move(fields));
    const std::string hook_flag = settings_.webhook_offline ? "1" : "0";
    for (const auto& u : users) {
        const std::string sk = n.status(u), ak = n.activity(u), pk = n.presence(u);
        std::vector<std::string_view> keys{sk, ak, pk};
        if (!cluster())
            keys.push_back(settings_.webhook_stream);
        const auto args =
            views({u.text, settings_.instance_id, settings_.channel, hook_flag}, dead);
        auto [e, r_owner] = co_await redis_.evalsha(*offline_, keys, args);
        const redis::reply& r = r_owner.front();
        log_failure("expire", e, r);
        if (!e && cluster() && settings_.webhook_offline && r.elements.size() == 2)
            co_await hook(u, "offline", r.elements[1].as_string());
    }
}

net::awaitable<void> presence::retire() {
    redis::request req;
    req.push("DEL", settings_.names.instance(settings_.instance_id));
    auto [ec, replies] = co_await redis_.exec(req);
    (void)replies;
    if (ec)
        log::warn("presence_failed", {{"op", "retire"}, {"error", ec.message()}});
}

net::awaitable<std::optional<std::vector<shown_presence>>>
presence::lookup(const std::vector<chat::id>& users) {
    const auto& n = settings_.names;
    redis::request req;
    for (const auto& u : users) {
        req.push("HMGET", n.status(u), "status", "last_active");
        req.push("HGET", n.activity(u), "last_active");
    }
    std::optional<std::vector<shown_presence>> out;
    if (users.empty()) {
        out.emplace();
        co_return out;
    }
    auto [ec, replies] = co_await redis_.exec(req);
    if (ec || replies.size() != 2 * users.size())
        co_return out;
    out.emplace();
    for (std::size_t i = 0; i < users.size(); ++i) {
        const auto& shown = replies[2 * i];
        const auto& activity = replies[2 * i + 1];
        if (shown.is_error() || activity.is_error()) {
            out.reset();
            co_return out;
        }
        shown_presence p{users[i], false, {}};
        if (shown.elements.size() == 2) {
            p.online = shown.elements[0].as_string() == "online";
            p.last_active = std::string(shown.elements[1].as_string());
        }
        // Seen only by the seed (or before the status was kept): its last departure.
        if (p.last_active.empty())
            p.last_active = std::string(activity.as_string());
        out->push_back(std::move(p));
    }
    co_return out;
}

} // namespace senna::realtime

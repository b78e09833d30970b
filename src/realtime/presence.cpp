#include "realtime/presence.hpp"

#include "redis/connection.hpp"
#include "redis/request.hpp"
#include "redis/script.hpp"
#include "util/log.hpp"
#include "util/time.hpp"

#include <array>
#include <ctime>

namespace senna::realtime {

namespace {

// Shared by the scripts: a transition of the status shown, announced on the presence channel
// and, with `hook`, appended to the webhook stream. User ids are [A-Za-z0-9_-] and times
// ISO-8601: nothing to escape in the JSON.
constexpr std::string_view shown_lua = R"lua(
local function show(status_key, user, status, at, channel, stream, hook)
  redis.call('HSET', status_key, 'status', status, 'last_active', at)
  local la = at == '' and 'null' or ('"' .. at .. '"')
  redis.call('PUBLISH', channel,
             '{"user":"' .. user .. '","status":"' .. status .. '","last_active":' .. la .. '}')
  if hook then
    redis.call('XADD', stream, '*', 'event', 'user.' .. status, 'user', user,
               'data', '{"status":"' .. status .. '","last_active":' .. la .. '}')
  end
end

-- True when the presence hash `key` holds a field of instance `me` or of an instance whose
-- heartbeat key exists; with `drop`, the fields of the others go.
local function live_in(key, base, me, drop)
  local live = 0
  for _, f in ipairs(redis.call('HKEYS', key)) do
    if f == me or redis.call('EXISTS', base .. 'instance:' .. f) == 1 then
      live = live + 1
    elseif drop then
      redis.call('HDEL', key, f)
    end
  end
  return live
end
)lua";

// KEYS: presence:U, activity:U, instance:I:users, instances, status:U, grace, webhook stream.
// ARGV: I, U, now (ISO), channel, "1" to append user.online to the stream.
// Back within the grace window (U is in the grace set): nothing is announced.
constexpr std::string_view arrive_lua = R"lua(
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('HSET', KEYS[2], 'status', 'active')
redis.call('ZREM', KEYS[6], ARGV[2])
if redis.call('HGET', KEYS[5], 'status') == 'online' then return 0 end
show(KEYS[5], ARGV[2], 'online', ARGV[3], ARGV[4], KEYS[7], ARGV[5] == '1')
return 1
)lua";

// KEYS: presence:U, activity:U, instance:I:users, grace.
// ARGV: I, U, now (ISO), key base, when U goes offline (epoch ms).
// Fields of instances whose heartbeat expired are dropped on the way.
constexpr std::string_view leave_lua = R"lua(
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if n <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[3], ARGV[2])
end
local live = live_in(KEYS[1], ARGV[4], ARGV[1], true)
if live == 0 then
  redis.call('HSET', KEYS[2], 'status', 'inactive', 'last_active', ARGV[3])
  redis.call('ZADD', KEYS[4], ARGV[5], ARGV[2])
end
return live
)lua";

// KEYS: instances, grace. ARGV: key base, now (ISO), I (ourselves, never swept), when the
// users left with no live instance go offline (epoch ms), the recovery sessions' key prefix
// ('' without recovery), the recovery window in ms.
constexpr std::string_view sweep_lua = R"lua(
local swept = 0
for _, inst in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if inst ~= ARGV[3] and redis.call('EXISTS', ARGV[1] .. 'instance:' .. inst) == 0 then
    local ukey = ARGV[1] .. 'instance:' .. inst .. ':users'
    for _, u in ipairs(redis.call('SMEMBERS', ukey)) do
      local pk = ARGV[1] .. 'presence:' .. u
      redis.call('HDEL', pk, inst)
      if live_in(pk, ARGV[1], ARGV[3], false) == 0 then
        redis.call('HSET', ARGV[1] .. 'activity:' .. u, 'status', 'inactive', 'last_active', ARGV[2])
        redis.call('ZADD', KEYS[2], ARGV[4], u)
      end
    end
    redis.call('DEL', ukey)
    -- Its sockets' recovery sessions (recovery_store.hpp): the window starts now for those
    -- still its own (head unchanged); the others were taken by another server.
    local skey = ARGV[1] .. 'instance:' .. inst .. ':sessions'
    if ARGV[5] ~= '' then
      local live = redis.call('HGETALL', skey)
      for i = 1, #live, 2 do
        local k = ARGV[5] .. live[i]
        local v = redis.call('GET', k)
        if v and string.sub(v, 1, #live[i + 1]) == live[i + 1] then
          redis.call('PEXPIRE', k, ARGV[6])
        end
      end
    end
    redis.call('DEL', skey)
    redis.call('SREM', KEYS[1], inst)
    swept = swept + 1
  end
end
return swept
)lua";

// KEYS: grace, webhook stream. ARGV: now (epoch ms), key base, at most this many users, I,
// channel, "1" to append user.offline to the stream.
// A user still without a live socket who was shown online goes offline, with the last_active
// of their last socket's departure.
constexpr std::string_view expire_lua = R"lua(
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local n = 0
for _, u in ipairs(due) do
  redis.call('ZREM', KEYS[1], u)
  local sk = ARGV[2] .. 'status:' .. u
  if live_in(ARGV[2] .. 'presence:' .. u, ARGV[2], ARGV[4], false) == 0 and
     redis.call('HGET', sk, 'status') == 'online' then
    local at = redis.call('HGET', ARGV[2] .. 'activity:' .. u, 'last_active') or ''
    show(sk, u, 'offline', at, ARGV[5], KEYS[2], ARGV[6] == '1')
    n = n + 1
  end
end
return n
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

std::string epoch_ms_after(std::chrono::milliseconds d) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    return std::to_string((now + d).count());
}

} // namespace

std::string iso_now() {
    return util::iso8601(util::now_ms());
}

std::string presence_channel(const std::string& key_base) {
    return key_base + "presence";
}
std::string presence_key(const std::string& key_base, const chat::id& user) {
    return key_base + "presence:" + user.text;
}
std::string instance_key_prefix(const std::string& key_base) {
    return key_base + "instance:";
}

presence::presence(redis::connection& redis, presence_settings s)
    : redis_(redis), settings_(std::move(s)),
      arrive_(std::make_unique<redis::script>(script_text(arrive_lua))),
      leave_(std::make_unique<redis::script>(script_text(leave_lua))),
      sweep_(std::make_unique<redis::script>(script_text(sweep_lua))),
      expire_(std::make_unique<redis::script>(script_text(expire_lua))) {
    if (settings_.channel.empty())
        settings_.channel = presence_channel(settings_.key_base);
    if (settings_.webhook_stream.empty())
        settings_.webhook_stream = settings_.key_base + "webhooks";
}

presence::~presence() = default;

net::awaitable<void> presence::arrived(chat::id user) {
    const auto& b = settings_.key_base;
    const std::string pk = presence_key(b, user);
    const std::string ak = b + "activity:" + user.text;
    const std::string uk = b + "instance:" + settings_.instance_id + ":users";
    const std::string ik = b + "instances";
    const std::string sk = b + "status:" + user.text;
    const std::string gk = b + "presence-grace";
    const std::string now = iso_now();
    std::array<std::string_view, 7> keys{pk, ak, uk, ik, sk, gk, settings_.webhook_stream};
    std::array<std::string_view, 5> args{settings_.instance_id, user.text, now, settings_.channel,
                                         settings_.webhook_online ? "1" : "0"};
    auto [ec, r] = co_await redis_.evalsha(*arrive_, keys, args);
    log_failure("arrived", ec, r);
}

net::awaitable<void> presence::left(chat::id user) {
    const auto& b = settings_.key_base;
    const std::string pk = presence_key(b, user);
    const std::string ak = b + "activity:" + user.text;
    const std::string uk = b + "instance:" + settings_.instance_id + ":users";
    const std::string gk = b + "presence-grace";
    const std::string now = iso_now();
    const std::string until = epoch_ms_after(settings_.grace);
    std::array<std::string_view, 4> keys{pk, ak, uk, gk};
    std::array<std::string_view, 5> args{settings_.instance_id, user.text, now, b, until};
    auto [ec, r] = co_await redis_.evalsha(*leave_, keys, args);
    log_failure("left", ec, r);
}

net::awaitable<void> presence::beat() {
    const auto& b = settings_.key_base;
    const std::string key = b + "instance:" + settings_.instance_id;
    const std::string ttl = std::to_string(settings_.heartbeat.count() * 3);
    redis::request req;
    req.push("SET", key, "1", "PX", ttl);
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
    const std::string ik = b + "instances";
    const std::string gk = b + "presence-grace";
    const std::string now = iso_now();
    const std::string until = epoch_ms_after(settings_.grace);
    std::array<std::string_view, 2> keys{ik, gk};
    const std::string window = std::to_string(settings_.session_window.count());
    std::array<std::string_view, 6> args{
        b, now, settings_.instance_id, until, settings_.session_prefix, window};
    auto [ec2, r] = co_await redis_.evalsha(*sweep_, keys, args);
    log_failure("sweep", ec2, r);
}

net::awaitable<void> presence::expire() {
    const auto& b = settings_.key_base;
    const std::string gk = b + "presence-grace";
    const std::string now = epoch_ms_after(std::chrono::milliseconds(0));
    const std::string batch = std::to_string(expire_batch);
    std::array<std::string_view, 2> keys{gk, settings_.webhook_stream};
    std::array<std::string_view, 6> args{now,
                                         b,
                                         batch,
                                         settings_.instance_id,
                                         settings_.channel,
                                         settings_.webhook_offline ? "1" : "0"};
    auto [ec, r] = co_await redis_.evalsha(*expire_, keys, args);
    log_failure("expire", ec, r);
}

net::awaitable<void> presence::retire() {
    redis::request req;
    req.push("DEL", settings_.key_base + "instance:" + settings_.instance_id);
    auto [ec, replies] = co_await redis_.exec(req);
    (void)replies;
    if (ec)
        log::warn("presence_failed", {{"op", "retire"}, {"error", ec.message()}});
}

net::awaitable<std::optional<std::vector<shown_presence>>>
presence::lookup(const std::vector<chat::id>& users) {
    const auto& b = settings_.key_base;
    redis::request req;
    for (const auto& u : users) {
        req.push("HMGET", b + "status:" + u.text, "status", "last_active");
        req.push("HGET", b + "activity:" + u.text, "last_active");
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

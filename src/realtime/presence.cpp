#include "realtime/presence.hpp"

#include "redis/connection.hpp"
#include "redis/request.hpp"
#include "redis/script.hpp"
#include "util/log.hpp"

#include <array>
#include <ctime>

namespace senna::realtime {

namespace {

// KEYS: presence:U, activity:U, instance:I:users, instances. ARGV: I, U.
constexpr const char* arrive_lua = R"lua(
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('HSET', KEYS[2], 'status', 'active')
return 1
)lua";

// KEYS: presence:U, activity:U, instance:I:users. ARGV: I, U, now (ISO), key base.
// Fields of instances whose heartbeat expired are dropped on the way.
constexpr const char* leave_lua = R"lua(
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if n <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[3], ARGV[2])
end
local live = 0
for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
  if f == ARGV[1] or redis.call('EXISTS', ARGV[4] .. 'instance:' .. f) == 1 then
    live = live + 1
  else
    redis.call('HDEL', KEYS[1], f)
  end
end
if live == 0 then
  redis.call('HSET', KEYS[2], 'status', 'inactive', 'last_active', ARGV[3])
end
return live
)lua";

// KEYS: instances. ARGV: key base, now (ISO), I (ourselves, never swept), the recovery
// sessions' key prefix ('' without recovery), the recovery window in ms.
constexpr const char* sweep_lua = R"lua(
local swept = 0
for _, inst in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if inst ~= ARGV[3] and redis.call('EXISTS', ARGV[1] .. 'instance:' .. inst) == 0 then
    local ukey = ARGV[1] .. 'instance:' .. inst .. ':users'
    for _, u in ipairs(redis.call('SMEMBERS', ukey)) do
      local pk = ARGV[1] .. 'presence:' .. u
      redis.call('HDEL', pk, inst)
      local live = 0
      for _, f in ipairs(redis.call('HKEYS', pk)) do
        if f == ARGV[3] or redis.call('EXISTS', ARGV[1] .. 'instance:' .. f) == 1 then
          live = live + 1
        end
      end
      if live == 0 then
        redis.call('HSET', ARGV[1] .. 'activity:' .. u, 'status', 'inactive', 'last_active', ARGV[2])
      end
    end
    redis.call('DEL', ukey)
    -- Its sockets' recovery sessions (recovery_store.hpp): the window starts now for those
    -- still its own (head unchanged); the others were taken by another server.
    local skey = ARGV[1] .. 'instance:' .. inst .. ':sessions'
    if ARGV[4] ~= '' then
      local live = redis.call('HGETALL', skey)
      for i = 1, #live, 2 do
        local k = ARGV[4] .. live[i]
        local v = redis.call('GET', k)
        if v and string.sub(v, 1, #live[i + 1]) == live[i + 1] then
          redis.call('PEXPIRE', k, ARGV[5])
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

void log_failure(const char* what, const net::error_code& ec, const redis::reply& r) {
    if (ec)
        log::warn("presence_failed", {{"op", what}, {"error", ec.message()}});
    else if (r.is_error())
        log::warn("presence_failed", {{"op", what}, {"error", std::string(r.as_string())}});
}

} // namespace

std::string iso_now() {
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms % 1000));
    return buf;
}

presence::presence(redis::connection& redis, presence_settings s)
    : redis_(redis), settings_(std::move(s)), arrive_(std::make_unique<redis::script>(arrive_lua)),
      leave_(std::make_unique<redis::script>(leave_lua)),
      sweep_(std::make_unique<redis::script>(sweep_lua)) {}

presence::~presence() = default;

net::awaitable<void> presence::arrived(chat::id user) {
    const auto& b = settings_.key_base;
    const std::string pk = b + "presence:" + user.text;
    const std::string ak = b + "activity:" + user.text;
    const std::string uk = b + "instance:" + settings_.instance_id + ":users";
    const std::string ik = b + "instances";
    std::array<std::string_view, 4> keys{pk, ak, uk, ik};
    std::array<std::string_view, 2> args{settings_.instance_id, user.text};
    auto [ec, r] = co_await redis_.evalsha(*arrive_, keys, args);
    log_failure("arrived", ec, r);
}

net::awaitable<void> presence::left(chat::id user) {
    const auto& b = settings_.key_base;
    const std::string pk = b + "presence:" + user.text;
    const std::string ak = b + "activity:" + user.text;
    const std::string uk = b + "instance:" + settings_.instance_id + ":users";
    const std::string now = iso_now();
    std::array<std::string_view, 3> keys{pk, ak, uk};
    std::array<std::string_view, 4> args{settings_.instance_id, user.text, now, b};
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
    const std::string now = iso_now();
    std::array<std::string_view, 1> keys{ik};
    const std::string window = std::to_string(settings_.session_window.count());
    std::array<std::string_view, 5> args{b, now, settings_.instance_id, settings_.session_prefix,
                                         window};
    auto [ec2, r] = co_await redis_.evalsha(*sweep_, keys, args);
    log_failure("sweep", ec2, r);
}

net::awaitable<void> presence::retire() {
    redis::request req;
    req.push("DEL", settings_.key_base + "instance:" + settings_.instance_id);
    auto [ec, replies] = co_await redis_.exec(req);
    (void)replies;
    if (ec)
        log::warn("presence_failed", {{"op", "retire"}, {"error", ec.message()}});
}

} // namespace senna::realtime

#include "realtime/presence.hpp"

#include "redis/connection.hpp"
#include "redis/request.hpp"
#include "redis/script.hpp"
#include "util/log.hpp"
#include "util/time.hpp"

#include <array>
#include <vector>

namespace senna::realtime {

namespace {

// Every key a script touches comes in KEYS, named by chat::keys (never built from ARGV, as
// Redis Cluster requires). Where a script must look at other instances' heartbeat keys, the
// caller reads which instances are involved first and passes their keys; an instance that
// appears in between (it just arrived, so it is alive) counts as live.

// KEYS: presence:U, activity:U, instance:I:users, instances. ARGV: I, U.
constexpr const char* arrive_lua = R"lua(
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('HSET', KEYS[2], 'status', 'active')
return 1
)lua";

// Counts the instances of hash KEYS[1] that are alive: itself (`self`), those whose heartbeat key
// (the KEYS from `kfirst` on, for the instance ids in the ARGV from `afirst` on) exists, and any
// the caller did not list; with `drop_dead`, the fields of the others are deleted. None alive:
// activity KEYS[2] turns inactive, last active `now`. The scripts below are prefixed with it.
constexpr std::string_view settle_lua = R"lua(
local function settle(self, kfirst, afirst, drop_dead, now)
  local heartbeat = {}
  for j = 0, #KEYS - kfirst do heartbeat[ARGV[afirst + j]] = KEYS[kfirst + j] end
  local live = 0
  for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
    local k = heartbeat[f]
    if f == self or k == nil or redis.call('EXISTS', k) == 1 then
      live = live + 1
    elseif drop_dead then
      redis.call('HDEL', KEYS[1], f)
    end
  end
  if live == 0 then
    redis.call('HSET', KEYS[2], 'status', 'inactive', 'last_active', now)
  end
  return live
end
)lua";

// KEYS: presence:U, activity:U, instance:I:users, then the heartbeat keys of the instances in
// presence:U. ARGV: I, U, now (ISO), then those instances' ids.
constexpr std::string_view leave_lua = R"lua(
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if n <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[3], ARGV[2])
end
return settle(ARGV[1], 4, 4, true, ARGV[3])
)lua";

// One user of dead instance D. KEYS: presence:U, activity:U, then the heartbeat keys of the
// instances in presence:U. ARGV: D, now (ISO), I (ourselves), then those instances' ids.
constexpr std::string_view sweep_user_lua = R"lua(
redis.call('HDEL', KEYS[1], ARGV[1])
return settle(ARGV[3], 3, 4, false, ARGV[2])
)lua";

// Dead instance D, once its users are swept; nothing when it came back meanwhile.
// KEYS: instance:D, instance:D:users, instances. ARGV: D.
constexpr const char* forget_lua = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
return 1
)lua";

void log_failure(const char* what, const net::error_code& ec, const redis::reply& r) {
    if (ec)
        log::warn("presence_failed", {{"op", what}, {"error", ec.message()}});
    else if (r.is_error())
        log::warn("presence_failed", {{"op", what}, {"error", std::string(r.as_string())}});
}

/** The strings of an array reply (SMEMBERS, HKEYS); empty for anything else. */
std::vector<std::string> strings_of(const redis::reply& r) {
    std::vector<std::string> out;
    if (!r.is_array())
        return out;
    out.reserve(r.elements.size());
    for (const auto& e : r.elements)
        out.emplace_back(e.as_string());
    return out;
}

} // namespace

presence::presence(redis::connection& redis, chat::keys keys, presence_settings s)
    : redis_(redis), keys_(std::move(keys)), settings_(std::move(s)),
      arrive_(std::make_unique<redis::script>(arrive_lua)),
      leave_(std::make_unique<redis::script>(std::string(settle_lua) + std::string(leave_lua))),
      sweep_user_(
          std::make_unique<redis::script>(std::string(settle_lua) + std::string(sweep_user_lua))),
      forget_(std::make_unique<redis::script>(forget_lua)) {}

presence::~presence() = default;

net::awaitable<void> presence::arrived(chat::id user) {
    const std::string pk = keys_.presence(user);
    const std::string ak = keys_.activity(user);
    const std::string uk = keys_.instance_users(settings_.instance_id);
    const std::string ik = keys_.instances();
    std::array<std::string_view, 4> keys{pk, ak, uk, ik};
    std::array<std::string_view, 2> args{settings_.instance_id, user.text};
    auto [ec, r] = co_await redis_.evalsha(*arrive_, keys, args);
    log_failure("arrived", ec, r);
}

net::awaitable<std::optional<std::vector<std::string>>>
presence::instances_of(const std::string& presence_key) {
    redis::request req;
    req.push("HKEYS", presence_key);
    auto [ec, replies] = co_await redis_.exec(req);
    if (ec || replies.size() != 1 || replies[0].is_error()) {
        log_failure("instances", ec, replies.empty() ? redis::reply() : replies[0]);
        co_return std::nullopt;
    }
    co_return strings_of(replies[0]);
}

net::awaitable<void> presence::left(chat::id user) {
    const std::string pk = keys_.presence(user);
    auto others = co_await instances_of(pk);
    if (!others)
        co_return;
    std::vector<std::string> owned{pk, keys_.activity(user),
                                   keys_.instance_users(settings_.instance_id)};
    for (const auto& inst : *others)
        owned.push_back(keys_.instance(inst));
    const std::string now = util::iso8601(util::now_ms());
    std::vector<std::string_view> keys(owned.begin(), owned.end());
    std::vector<std::string_view> args{settings_.instance_id, user.text, now};
    args.insert(args.end(), others->begin(), others->end());
    auto [ec, r] = co_await redis_.evalsha(*leave_, keys, args);
    log_failure("left", ec, r);
}

net::awaitable<void> presence::beat() {
    redis::request req;
    req.push("SET", keys_.instance(settings_.instance_id), "1", "PX",
             std::to_string(settings_.heartbeat.count() * 3));
    req.push("SMEMBERS", keys_.instances());
    auto [ec, replies] = co_await redis_.exec(req);
    if (ec) {
        log::warn("presence_failed", {{"op", "heartbeat"}, {"error", ec.message()}});
        co_return;
    }
    // The sweep: instances whose heartbeat key expired (they crashed or were killed).
    std::vector<std::string> known;
    for (auto& inst : strings_of(replies.size() == 2 ? replies[1] : redis::reply()))
        if (inst != settings_.instance_id)
            known.push_back(std::move(inst));
    if (known.empty())
        co_return;
    redis::request exists;
    for (const auto& inst : known)
        exists.push("EXISTS", keys_.instance(inst));
    auto [ec2, alive] = co_await redis_.exec(exists);
    if (ec2 || alive.size() != known.size()) {
        log::warn("presence_failed", {{"op", "sweep"}, {"error", ec2.message()}});
        co_return;
    }
    for (std::size_t i = 0; i < known.size(); ++i)
        if (alive[i].type == redis::reply::kind::integer && alive[i].integer == 0)
            co_await sweep(known[i]);
}

net::awaitable<void> presence::sweep(const std::string& dead) {
    redis::request req;
    req.push("SMEMBERS", keys_.instance_users(dead));
    auto [ec, replies] = co_await redis_.exec(req);
    if (ec || replies.size() != 1) {
        log_failure("sweep", ec, redis::reply());
        co_return;
    }
    const std::string now = util::iso8601(util::now_ms());
    for (const auto& text : strings_of(replies[0])) {
        auto user = chat::id::parse(text);
        if (!user)
            continue;
        const std::string pk = keys_.presence(*user);
        auto others = co_await instances_of(pk);
        if (!others)
            co_return;
        std::vector<std::string> owned{pk, keys_.activity(*user)};
        for (const auto& inst : *others)
            owned.push_back(keys_.instance(inst));
        std::vector<std::string_view> keys(owned.begin(), owned.end());
        std::vector<std::string_view> args{dead, now, settings_.instance_id};
        args.insert(args.end(), others->begin(), others->end());
        auto [ec2, r] = co_await redis_.evalsha(*sweep_user_, keys, args);
        log_failure("sweep", ec2, r);
        if (ec2)
            co_return;
    }
    const std::string ik = keys_.instance(dead);
    const std::string uk = keys_.instance_users(dead);
    const std::string all = keys_.instances();
    std::array<std::string_view, 3> keys{ik, uk, all};
    std::array<std::string_view, 1> args{dead};
    auto [ec3, r] = co_await redis_.evalsha(*forget_, keys, args);
    log_failure("sweep", ec3, r);
}

net::awaitable<void> presence::retire() {
    redis::request req;
    req.push("DEL", keys_.instance(settings_.instance_id));
    auto [ec, replies] = co_await redis_.exec(req);
    (void)replies;
    if (ec)
        log::warn("presence_failed", {{"op", "retire"}, {"error", ec.message()}});
}

} // namespace senna::realtime

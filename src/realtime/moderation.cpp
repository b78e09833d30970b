#include "realtime/moderation.hpp"

#include "chat/id.hpp"
#include "net/spawn.hpp"
#include "redis/connection.hpp"
#include "redis/request.hpp"
#include "redis/script.hpp"
#include "util/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <cmath>

namespace senna::realtime {

namespace json = boost::json;
using kind = moderation_action::kind;

namespace {

// KEYS[1] the hash, KEYS[2] the version counter. ARGV[1] the field, ARGV[2] its value ('':
// delete), ARGV[3] 'max' to keep the larger number (revocations never shrink), ARGV[4] a channel
// to publish ARGV[5] on ('': none). The counter moves only when the hash changed, so the
// instances that store a message the API already stored do not make everyone reload.
constexpr const char* store_lua = R"lua(
local changed = 0
if ARGV[2] == '' then
  changed = redis.call('HDEL', KEYS[1], ARGV[1])
else
  local old = redis.call('HGET', KEYS[1], ARGV[1])
  if ARGV[3] == 'max' and old and tonumber(old) >= tonumber(ARGV[2]) then
    changed = 0
  elseif old ~= ARGV[2] then
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
    changed = 1
  end
end
if changed > 0 then redis.call('INCR', KEYS[2]) end
if ARGV[4] ~= '' then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
return changed
)lua";

// KEYS: bans, revocations, mutes, version. ARGV[1]: now (epoch seconds). Returns the version and
// the three hashes as flat arrays, in one atomic read; bans and mutes that have run out are
// deleted on the way (nothing refers to them any more).
constexpr const char* load_lua = R"lua(
local now = tonumber(ARGV[1])
local function live(key)
  local flat = redis.call('HGETALL', key)
  local out = {}
  for i = 1, #flat, 2 do
    local u = tonumber(flat[i + 1])
    if u and u ~= 0 and u <= now then
      redis.call('HDEL', key, flat[i])
    else
      out[#out + 1] = flat[i]
      out[#out + 1] = flat[i + 1]
    end
  end
  return out
end
return {redis.call('GET', KEYS[4]) or '0', live(KEYS[1]), redis.call('HGETALL', KEYS[2]),
        live(KEYS[3])}
)lua";

void read_hash(const redis::reply& flat, std::unordered_map<std::string, std::int64_t>& out) {
    for (std::size_t i = 0; i + 1 < flat.elements.size(); i += 2) {
        auto v = flat.elements[i + 1].as_integer();
        if (v)
            out[std::string(flat.elements[i].as_string())] = *v;
    }
}

} // namespace

// --- moderation ---

namespace {

struct store_args {
    std::string hash;
    std::string field;
    std::string value; // '' deletes
    bool max = false;
};

store_args storage_of(const moderation_settings& s, const moderation_action& a) {
    const auto& k = s.keys;
    switch (a.type) {
    case kind::ban:
        return {k.moderation_bans(), a.user, std::to_string(a.until)};
    case kind::unban:
        return {k.moderation_bans(), a.user, ""};
    case kind::revoke:
        return {k.moderation_revocations(), a.user, std::to_string(a.before), true};
    case kind::mute:
        return {k.moderation_mutes(), chat::keys::mute_field(a.topic, a.user),
                std::to_string(a.until)};
    case kind::unmute:
        return {k.moderation_mutes(), chat::keys::mute_field(a.topic, a.user), ""};
    case kind::kick:
        break;
    }
    return {};
}

// EVALSHA of the store script for `a`, publishing `message` on `channel` when it is not empty.
net::awaitable<std::tuple<net::error_code, redis::replies>>
store(redis::connection& conn, const redis::script& script, const moderation_settings& s,
      const moderation_action& a, std::string channel, std::string message) {
    const store_args st = storage_of(s, a);
    const std::string version = s.keys.moderation_version();
    std::array<std::string_view, 2> keys{st.hash, version};
    std::array<std::string_view, 5> args{st.field, st.value, st.max ? "max" : "set", channel,
                                         message};
    co_return co_await conn.evalsha(script, keys, args);
}

} // namespace

moderation::moderation(moderation_settings s)
    : settings_(std::move(s)), store_(std::make_unique<redis::script>(store_lua)),
      load_(std::make_unique<redis::script>(load_lua)),
      master_(std::make_shared<moderation_snapshot>()) {}

moderation::~moderation() = default;

void moderation::attach(std::vector<moderation_shard> shards, redis::connection* shard0) {
    shards_ = std::move(shards);
    redis_ = shard0;
}

net::awaitable<void> moderation::start() {
    if (shards_.empty() || !redis_)
        co_return;
    co_await net::asio::co_spawn(
        shards_[0].executor,
        [](moderation* self) -> net::awaitable<void> {
            const bool ok = co_await self->reload(false);
            if (!ok)
                log::warn("moderation_load_failed",
                          {{"retry_ms", long(self->settings_.sync.count())}});
            net::spawn(self->shards_[0].executor, self->sync_loop(), "moderation_sync");
        }(this),
        net::use_awaitable);
}

net::awaitable<void> moderation::stop() {
    if (stopping_.exchange(true) || shards_.empty())
        co_return;
    co_await net::asio::co_spawn(
        shards_[0].executor,
        [](moderation* self) -> net::awaitable<void> {
            if (self->timer_)
                self->timer_->cancel();
            co_return;
        }(this),
        net::use_awaitable);
}

net::awaitable<void> moderation::sync_loop() {
    net::steady_timer timer(shards_[0].executor);
    timer_ = &timer;
    while (!stopping_.load()) {
        timer.expires_after(settings_.sync);
        auto [ec] = co_await timer.async_wait(net::use_tuple);
        if (ec || stopping_.load())
            break;
        redis::request req;
        req.push("GET", settings_.keys.moderation_version());
        auto [gec, replies] = co_await redis_->exec(req);
        if (stopping_.load())
            break;
        if (gec || replies.size() != 1 || replies[0].is_error())
            continue; // Redis is away: keep the copy, try again next time
        const std::string version = replies[0].is_nil() ? "0" : std::string(replies[0].as_string());
        if (version != version_)
            co_await reload(true);
    }
    timer_ = nullptr;
}

net::awaitable<bool> moderation::reload(bool enforce_changes) {
    const auto& k = settings_.keys;
    const std::string bans = k.moderation_bans(), revocations = k.moderation_revocations(),
                      mutes = k.moderation_mutes(), version = k.moderation_version();
    const std::string now = std::to_string(unix_now());
    std::array<std::string_view, 4> keys{bans, revocations, mutes, version};
    std::array<std::string_view, 1> args{now};
    auto [ec, r_owner] = co_await redis_->evalsha(*load_, keys, args);
    const redis::reply& r = r_owner.front();
    if (ec || !r.is_array() || r.elements.size() != 4) {
        if (!ec && r.is_error())
            log::warn("moderation_load_failed", {{"error", std::string(r.as_string())}});
        co_return false;
    }
    auto fresh = std::make_shared<moderation_snapshot>();
    read_hash(r.elements[1], fresh->bans);
    read_hash(r.elements[2], fresh->revocations);
    read_hash(r.elements[3], fresh->mutes);
    if (enforce_changes) {
        // What a lost control message would have done to the sockets: newly banned users and
        // newer revocations.
        const std::int64_t t = unix_now();
        for (const auto& [user, until] : fresh->bans)
            if (in_force(until, t) && !master_->banned(user, t)) {
                moderation_action a;
                a.type = kind::ban;
                a.user = user;
                a.until = until;
                enforce(a);
            }
        for (const auto& [user, before] : fresh->revocations) {
            auto old = master_->revocation(user);
            if (!old || *old < before) {
                moderation_action a;
                a.type = kind::revoke;
                a.user = user;
                a.before = before;
                enforce(a);
            }
        }
    }
    master_ = std::move(fresh);
    version_ = r.elements[0].is_nil() ? "0" : std::string(r.elements[0].as_string());
    publish_snapshot();
    co_return true;
}

void moderation::publish_snapshot() {
    std::shared_ptr<const moderation_snapshot> s =
        std::make_shared<const moderation_snapshot>(*master_);
    for (const auto& sh : shards_)
        net::asio::post(sh.executor, [view = sh.view, s] { view->set(s); });
}

void moderation::enforce(const moderation_action& a) const {
    if (a.type != kind::kick && a.type != kind::ban && a.type != kind::revoke)
        return;
    if (a.type == kind::ban && !in_force(a.until, unix_now()))
        return;
    for (const auto& sh : shards_)
        if (sh.enforce)
            net::asio::post(sh.executor, [fn = sh.enforce, a] { fn(a); });
}

void moderation::receive(moderation_action a) {
    log::info("moderation", {{"action", to_string(a.type)}, {"user", a.user}});
    if (a.type != kind::kick) {
        master_ = std::make_shared<moderation_snapshot>(*master_);
        master_->apply(a);
        publish_snapshot();
        // Stored by every instance, in the order the channel gave: the last message wins.
        if (redis_ && !stopping_.load())
            net::spawn(
                shards_[0].executor,
                [](moderation* self, moderation_action act) -> net::awaitable<void> {
                    auto [ec, rs] =
                        co_await store(*self->redis_, *self->store_, self->settings_, act, "", "");
                    const redis::reply& r = rs.front();
                    if (ec || r.is_error())
                        log::warn("moderation_store_failed",
                                  {{"action", to_string(act.type)},
                                   {"error", ec ? ec.message() : std::string(r.as_string())}});
                }(this, a),
                "moderation_store");
    }
    enforce(a);
}

net::awaitable<net::error_code> moderation::submit(redis::connection& conn,
                                                   const moderation_action& a) const {
    const std::string message = json::serialize(to_json(a));
    if (a.type == kind::kick) {
        redis::request req;
        req.push("PUBLISH", settings_.control_channel, message);
        auto [ec, replies] = co_await conn.exec(req);
        if (!ec && (replies.size() != 1 || replies[0].is_error()))
            ec = make_error_code(boost::system::errc::io_error);
        co_return ec;
    }
    auto [ec, rs] = co_await store(conn, *store_, settings_, a, settings_.control_channel, message);
    const redis::reply& r = rs.front();
    if (!ec && r.is_error()) {
        log::warn("moderation_store_failed",
                  {{"action", to_string(a.type)}, {"error", std::string(r.as_string())}});
        ec = make_error_code(boost::system::errc::io_error);
    }
    co_return ec;
}

} // namespace senna::realtime

#pragma once
// Moderation on every instance within a second (issue 17; docs/storage.md, docs/SECURITY.md):
//
//  - Actions: kick (disconnect a user's sockets, with a reason), ban / unban (refuse the user's
//    REST calls and sockets, optionally until a time), revoke (refuse the user's tokens issued
//    before a time), mute / unmute in a topic (refuse the user's sends there). They come from
//    the admin REST API (api/admin_routes.cpp: `submit`) or from the platform, as JSON on the
//    control channel `messages:events` beside the seed's join-room / leave-room.
//  - State (bans, revocations, mutes) lives in Redis (chat::keys), so a restarted or new
//    instance honours it. Each instance keeps a copy: an immutable snapshot that every shard
//    holds (`moderation_view`), swapped by a post, so a request's check takes no lock.
//  - Propagation: every instance receives every action on the control channel and applies it
//    at once, to its snapshot and its sockets (kick, ban and revoke disconnect them through the
//    shard's `enforce`). It also stores it: idempotently, in channel order, so whatever the
//    interleaving of instances the last message about a user wins (a platform that publishes
//    directly never wrote Redis itself). Every change bumps a version counter; each instance
//    reads it every `sync` (1 s) and reloads the whole state when it moved, enforcing what the
//    reload adds (a message lost while the subscriber reconnected). So a copy is never more
//    than about one sync interval (plus a Redis round trip) behind Redis.
//
// The actions and the snapshot, without I/O, are moderation_state.hpp.
//
// Threading: `moderation` is built by app::server, attached to the shards, started after the
// hub; `receive` and the sync loop run on shard 0 (where the hub's subscriber is), the master
// snapshot is touched only there. `submit` runs on any shard with that shard's connection. A
// `moderation_view` belongs to one shard.

#include "chat/keys.hpp"
#include "net/types.hpp"
#include "realtime/moderation_state.hpp"

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace senna::redis {
class connection;
class script;
} // namespace senna::redis

namespace senna::realtime {

struct moderation_shard {
    net::executor executor;
    moderation_view* view = nullptr;
    /** On the shard's thread: disconnect the sockets the action concerns (kick, ban, revoke). */
    std::function<void(const moderation_action&)> enforce;
};

struct moderation_settings {
    chat::keys keys{"senna-sockets", "myplatform"};
    std::string control_channel = "messages:events";
    /** How often each instance reads the version counter (the staleness bound). */
    std::chrono::milliseconds sync{1000};
};

class moderation {
public:
    explicit moderation(moderation_settings s);
    ~moderation();
    moderation(const moderation&) = delete;
    moderation& operator=(const moderation&) = delete;

    /** Once, before start(): the shards, and shard 0's Redis connection (store and sync). */
    void attach(std::vector<moderation_shard> shards, redis::connection* shard0);
    /** From a coroutine on any executor: loads the state on shard 0 (bounded by the Redis
    command timeout: a failure leaves it empty until the next sync) and starts the sync
    loop there; completes once the state is loaded. */
    net::awaitable<void> start();
    /** From a coroutine on any executor, before the shards stop: ends the sync loop. */
    net::awaitable<void> stop();

    /** On shard 0 (the hub's subscriber): an action from the control channel. */
    void receive(moderation_action a);

    /** On any shard, through its connection: stores `a` (not a kick) and publishes it on the
        control channel, atomically (one script), so every instance applies it. */
    net::awaitable<net::error_code> submit(redis::connection& conn,
                                           const moderation_action& a) const;

    const moderation_settings& settings() const noexcept { return settings_; }

private:
    net::awaitable<void> sync_loop();
    /** Reads the whole state; false when Redis failed. */
    net::awaitable<bool> reload(bool enforce_changes);
    void publish_snapshot();
    void enforce(const moderation_action& a) const;

    moderation_settings settings_;
    std::vector<moderation_shard> shards_;
    redis::connection* redis_ = nullptr;
    std::unique_ptr<redis::script> store_;
    std::unique_ptr<redis::script> load_;
    // Shard 0 only:
    std::shared_ptr<moderation_snapshot> master_;
    std::string version_; // of the last load
    net::steady_timer* timer_ = nullptr;
    std::atomic<bool> stopping_{false};
};

} // namespace senna::realtime

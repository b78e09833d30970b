#pragma once
// Presence (SPEC §4's activity hash) across every instance, kept in Redis (docs/storage.md; the
// key names are chat::keys'):
//   P:messages:D:presence:U          hash  instance id -> sockets of U on that instance
//   P:messages:D:instance:I          string, expires: instance I's heartbeat
//   P:messages:D:instance:I:users    set   users with sockets on I (for the sweep)
//   P:messages:D:instances           set   instance ids that have had sockets
// A socket's arrival and departure are one Lua script each, so the status always follows the
// count. A user is inactive when no instance with a live heartbeat holds a socket of theirs;
// every instance sweeps, each heartbeat, the instances whose heartbeat key has expired (one
// script per user of such an instance, then one that forgets it). Scripts get every key as
// KEYS: a departure first reads which instances hold the user (HKEYS) to pass their heartbeat
// keys.
//
// Threading: one presence per shard, over that shard's Redis connection, used on its thread.

#include "chat/id.hpp"
#include "chat/keys.hpp"
#include "net/types.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace senna::redis {
class connection;
class script;
} // namespace senna::redis

namespace senna::realtime {

struct presence_settings {
    std::string instance_id; // unique per process start
    std::chrono::milliseconds heartbeat{5000};
};

class presence {
public:
    presence(redis::connection& redis, chat::keys keys, presence_settings s);
    ~presence();
    presence(const presence&) = delete;
    presence& operator=(const presence&) = delete;

    /** A socket of `user` arrived on this instance: count it, status `active`. */
    net::awaitable<void> arrived(chat::id user);
    /** A socket of `user` left: uncount it; `inactive` + `last_active` when none is left on any
        live instance. */
    net::awaitable<void> left(chat::id user);
    /** Refreshes this instance's heartbeat key and sweeps instances whose key expired. */
    net::awaitable<void> beat();
    /** Deletes this instance's heartbeat (a clean stop: others sweep our users at once). */
    net::awaitable<void> retire();

    const presence_settings& settings() const noexcept { return settings_; }

private:
    /** The instances holding sockets of the user of `presence_key`; nullopt (logged) when
        Redis did not answer. */
    net::awaitable<std::optional<std::vector<std::string>>>
    instances_of(const std::string& presence_key);
    /** The users of instance `dead` lose its sockets, then it is forgotten. */
    net::awaitable<void> sweep(const std::string& dead);

    redis::connection& redis_;
    chat::keys keys_;
    presence_settings settings_;
    std::unique_ptr<redis::script> arrive_;
    std::unique_ptr<redis::script> leave_;
    std::unique_ptr<redis::script> sweep_user_;
    std::unique_ptr<redis::script> forget_;
};

} // namespace senna::realtime

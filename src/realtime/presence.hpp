#pragma once
// Presence (SPEC §4's activity hash) across every instance, kept in Redis (docs/storage.md):
//   P:messages:D:presence:U          hash  instance id -> sockets of U on that instance
//   P:messages:D:instance:I          string, expires: instance I's heartbeat
//   P:messages:D:instance:I:users    set   users with sockets on I (for the sweep)
//   P:messages:D:instances           set   instance ids that have had sockets
//   P:messages:D:instance:I:sessions hash  I's live recovery sessions (recovery_store.hpp)
// A socket's arrival and departure are one Lua script each, so the status always follows the
// count. A user is inactive when no instance with a live heartbeat holds a socket of theirs;
// every instance sweeps, each heartbeat, the instances whose heartbeat key has expired.
//
// Threading: one presence per shard, over that shard's Redis connection, used on its thread.

#include "chat/id.hpp"
#include "net/types.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace senna::redis {
class connection;
class script;
} // namespace senna::redis

namespace senna::realtime {

struct presence_settings {
    std::string key_base;    // "P:messages:D:"
    std::string instance_id; // unique per process start
    std::chrono::milliseconds heartbeat{5000};
    /** Connection state recovery (recovery_store.hpp): the sessions' key prefix (empty: off)
        and the window a dead instance's live sessions get when it is swept. */
    std::string session_prefix;
    std::chrono::milliseconds session_window{0};
};

class presence {
public:
    presence(redis::connection& redis, presence_settings s);
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
    redis::connection& redis_;
    presence_settings settings_;
    std::unique_ptr<redis::script> arrive_;
    std::unique_ptr<redis::script> leave_;
    std::unique_ptr<redis::script> sweep_;
};

/** Now as ISO-8601 UTC with milliseconds ("2026-11-27T23:05:53.123Z"), as JavaScript prints. */
std::string iso_now();

} // namespace senna::realtime

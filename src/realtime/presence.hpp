#pragma once
// Presence (SPEC §4's activity hash, and the presence shown to others) across every instance,
// kept in Redis (docs/storage.md, docs/webhooks.md; the names are chat::keys', here the seed
// layout's):
//   P:messages:D:presence:U          hash  instance id -> sockets of U on that instance
//   P:messages:D:instance:I          string, expires: instance I's heartbeat
//   P:messages:D:instance:I:users    set   users with sockets on I (for the sweep)
//   P:messages:D:instances           set   instance ids that have had sockets
//   P:messages:D:status:U            hash  status (online/offline) and last_active shown to others
//   P:messages:D:presence-grace      zset  users whose last socket went -> when they go offline
//   P:messages:D:instance:I:sessions hash  I's live recovery sessions (recovery_store.hpp)
// A socket's arrival and departure are one Lua script each on the user's keys, so the seed's
// `status` always follows the count. A user is inactive when no instance with a live heartbeat
// holds a socket of theirs; every instance sweeps, each heartbeat, the instances whose heartbeat
// key has expired. Scripts are given every key they touch: which instances are dead is read
// first (their heartbeat keys) and given to the script as ARGV, a field it was not told about
// counting as live. In the cluster layout (docs/adr/0012-cluster-key-layout.md) the instance
// registry's keys and the webhook stream are in other slots: the user's script runs first, the
// registry's commands and the webhook XADD after it.
//
// The status shown (GET /api/presence, watch-presence, the user.online / user.offline webhooks)
// has a grace window: the first socket anywhere makes a user online at once; when the last one
// goes, the user is offline only once the window passed without a socket coming back on any
// instance. Each transition is decided once, inside one script (so two instances never both
// announce it), PUBLISHed on the presence channel and, when asked, appended to the webhook
// stream in that same script.
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
    chat::keys names{"senna-sockets", "myplatform"}; // every presence key (chat/keys.hpp)
    std::string instance_id;                         // unique per process start
    std::chrono::milliseconds heartbeat{5000};
    /** The last socket gone this long (SOCK_PRESENCE_GRACE_MS): the user is offline. */
    std::chrono::milliseconds grace{10000};
    /** Where transitions are PUBLISHed (chat::keys::presence_channel()). */
    std::string channel;
    /** The webhook stream (chat::keys::webhooks) and whether each transition goes there. */
    std::string webhook_stream;
    bool webhook_online = false;
    bool webhook_offline = false;
    /** Connection state recovery (recovery_store.hpp): the sessions' key prefix (empty: off)
        and the window a dead instance's live sessions get when it is swept. */
    std::string session_prefix;
    std::chrono::milliseconds session_window{0};
};

/** What others see of a user. */
struct shown_presence {
    chat::id user;
    bool online = false;
    std::string last_active; // ISO-8601; empty: never seen
};

class presence {
public:
    presence(redis::connection& redis, presence_settings s);
    ~presence();
    presence(const presence&) = delete;
    presence& operator=(const presence&) = delete;

    /** A socket of `user` arrived on this instance: count it, status `active`; online (and
        announced) unless they were already, or still within the grace window. */
    net::awaitable<void> arrived(chat::id user);
    /** A socket of `user` left: uncount it; `inactive` + `last_active` when none is left on any
        live instance, and offline once the grace window passes. */
    net::awaitable<void> left(chat::id user);
    /** Refreshes this instance's heartbeat key and sweeps instances whose key expired. */
    net::awaitable<void> beat();
    /** Makes offline (and announces) the users whose grace window has passed; every instance
        calls it often (heartbeat.hpp), each user is taken by one. */
    net::awaitable<void> expire();
    /** Deletes this instance's heartbeat (a clean stop: others sweep our users at once). */
    net::awaitable<void> retire();
    /** What others see of `users`, in their order; nullopt when Redis did not answer. */
    net::awaitable<std::optional<std::vector<shown_presence>>>
    lookup(const std::vector<chat::id>& users);

    const presence_settings& settings() const noexcept { return settings_; }

private:
    /** Of `instances`, those whose heartbeat key is gone (never this one); empty when Redis did
        not answer (nothing is then dropped). */
    net::awaitable<std::vector<std::string>> dead_among(std::vector<std::string> instances);
    /** The instances holding sockets of each of `users` (HKEYS of their presence hashes). */
    net::awaitable<std::vector<std::string>> instances_of(const std::vector<chat::id>& users);
    /** Sweeps one dead instance: its users' fields, their activity, its recovery sessions. */
    net::awaitable<void> sweep(const std::string& dead, const std::vector<std::string>& all_dead);
    /** The user.online / user.offline stream entry, appended by this code in the cluster
        layout (the stream is in another slot than the user's keys). */
    net::awaitable<void> hook(const chat::id& user, std::string_view status, std::string_view at);
    bool cluster() const noexcept { return settings_.names.cluster(); }

    redis::connection& redis_;
    presence_settings settings_;
    std::unique_ptr<redis::script> arrive_;
    std::unique_ptr<redis::script> leave_;
    std::unique_ptr<redis::script> drop_;
    std::unique_ptr<redis::script> offline_;
    std::unique_ptr<redis::script> session_;
};

/** Now as ISO-8601 UTC with milliseconds ("2026-11-27T23:05:53.123Z"), as JavaScript prints. */
std::string iso_now();

} // namespace senna::realtime

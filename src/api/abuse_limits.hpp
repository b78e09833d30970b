#pragma once
// The abuse limits of one senna instance (docs/limits.md, "Abuse limits"): how many message
// writes a user may make (a token bucket per user), how many sockets a user may hold, and the
// per-socket settings (events per second, topics) that realtime_handlers applies with state of
// its own. Limits are per instance, in memory, not shared through Redis: behind a load balancer
// spreading a user over N instances, the effective budget is up to N times the setting.
//
// Threading: one object, owned by app::server, shared by every shard; all members are safe from
// any thread (the per-user tables have their own mutexes; nothing here is on a per-event path
// except one striped-lock bucket take per message write).

#include "util/rate_limit.hpp"

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace senna::api {

struct abuse_settings {
    util::rate message_writes;             // per user: send, edit, delete (REST and socket)
    util::rate socket_events;              // per socket: every client event
    std::size_t max_sockets_per_user = 0;  // 0: no limit
    std::size_t max_topics_per_socket = 0; // 0: no limit
};

class abuse_limits {
public:
    explicit abuse_limits(abuse_settings s);
    abuse_limits(const abuse_limits&) = delete;
    abuse_limits& operator=(const abuse_limits&) = delete;

    const abuse_settings& settings() const noexcept { return settings_; }

    /** One message write by `user` now: allowed, or how long until the next one is. */
    util::rate_decision message_write(std::string_view user);

    /** A socket slot of `user`, released when destroyed. Empty (false) when refused. */
    class socket_slot {
    public:
        socket_slot() = default;
        socket_slot(socket_slot&& o) noexcept : owner_(o.owner_), user_(std::move(o.user_)) {
            o.owner_ = nullptr;
        }
        socket_slot& operator=(socket_slot&&) = delete;
        socket_slot(const socket_slot&) = delete;
        ~socket_slot();
        explicit operator bool() const noexcept { return owner_ != nullptr; }

    private:
        friend class abuse_limits;
        socket_slot(abuse_limits* owner, std::string user)
            : owner_(owner), user_(std::move(user)) {}
        abuse_limits* owner_ = nullptr;
        std::string user_;
    };

    /** Takes one of `user`'s sockets on this instance; empty when they hold the maximum. */
    socket_slot acquire_socket(const std::string& user);
    /** Sockets `user` holds now (tests, diagnostics). */
    std::size_t sockets_of(const std::string& user) const;

private:
    void release_socket(const std::string& user);

    abuse_settings settings_;
    util::keyed_rate_limiter writes_;
    mutable std::mutex sockets_mutex_;
    // Only users with at least one socket: bounded by the instance's connections.
    std::unordered_map<std::string, std::size_t> sockets_;
};

} // namespace senna::api

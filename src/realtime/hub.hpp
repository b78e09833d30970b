#pragma once
// The instance-wide side of realtime (issue 5, SPEC §5):
//  - delivery: an event to rooms, each with its own payload (shaped by the API edge, which knows
//    SPEC's fields and the room names: api/deliveries.hpp), on every shard of this instance
//    through socketio::cluster;
//  - the control channel (`messages:events`: join-room / leave-room), applied to each shard's
//    local_users (local_users.hpp);
//  - the presence heartbeat (heartbeat.hpp) on shard 0, and presence transitions (presence.hpp's
//    channel) to the sockets watching the user (`presence` to room presence-<id>);
//  - topic membership (chat::service::members): the control channel's join-room / leave-room
//    of a `topic-<T>` room adds the user to T's members or removes them;
//  - several instances: every emit is also published in @socket.io/redis-adapter's format
//    (adapter_codec.hpp) on "<SOCK_REDIS_PREFIX>#/#<room>#", and broadcasts that other
//    instances or @socket.io/redis-emitter publish there reach this instance's sockets (our
//    own publications, recognised by their uid, are skipped). One publisher connection and
//    one subscriber per instance, both on shard 0.
//
// Threading: `hub` is built by app::server before the shards, attached to them once they exist,
// then started; deliver / deliver_local / move may be called from any thread (they only post).
// `local_users` and `presence` belong to one shard each. start() and stop() are coroutines
// that run their part on shard 0 and complete on the caller's executor: nothing blocks a
// thread on another.
//
// Order: the events of one chat are posted to each shard in the order the writes completed on
// the writing shard; a shard's queue is FIFO, so one writer's events reach a socket in order.
// Across instances the same holds: publications go out on one connection in post order, and
// Redis hands them to every subscriber in that order.

#include "chat/id.hpp"
#include "chat/keys.hpp"
#include "chat/publication.hpp"
#include "net/types.hpp"
#include "redis/endpoint.hpp"
#include "redis/options.hpp"
#include "redis/request.hpp"
#include "socketio/server.hpp"

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace senna::redis {
class connection;
class subscriber;
} // namespace senna::redis

namespace senna::realtime {

class heartbeat;
class local_users;
class presence;
class moderation;

/** One event's payload for one room; the sockets also in a room of `except` skip it. */
struct delivery {
    std::string room;
    boost::json::object payload;
    std::vector<std::string> except;
};

struct shard_link {
    net::executor executor;
    socketio::server* io = nullptr;
    local_users* users = nullptr;
    presence* presence_ = nullptr;
};

struct hub_settings {
    /** The control channel of the seed (SPEC §5). */
    std::string control_channel = "messages:events";
    redis::endpoint endpoint;
    redis::connection_options subscriber_options;
    redis::connection_options publisher_options;
    /** The adapter's key (SOCK_REDIS_PREFIX): channels "<prefix>#/#..."; empty: no fan-out
        between instances. */
    std::string adapter_prefix;
    std::chrono::milliseconds heartbeat{5000};
    /** How often users past their grace window are made offline (presence::expire). */
    std::chrono::milliseconds presence_tick{1000};
    /** This process's id (presence field and instance key). */
    std::string instance_id;
    /** SOCK_REDIS_PREFIX and SOCK_DOMAIN_HANDLE: the keys of topic membership and the presence
        channel (empty prefix: neither). */
    std::string redis_prefix;
    std::string domain;
};

class hub {
public:
    explicit hub(hub_settings s);
    ~hub();
    hub(const hub&) = delete;
    hub& operator=(const hub&) = delete;

    /** Once, before start(), with every shard. */
    void attach(std::vector<shard_link> shards);
    /** From a coroutine on any executor, after attach(): subscribes to the control channel and
        starts the heartbeat, on shard 0. Completes (on the caller's executor) once the first
        heartbeat is written (or failed), so that no socket is counted before it. */
    net::awaitable<void> start();
    /** From a coroutine on any executor, before the shards stop: stops the heartbeat and the
        subscriber on shard 0; completes once they are stopped there. The heartbeat then
        retires this instance's key (see retired()). */
    net::awaitable<void> stop();
    /** From any thread: true once the stopped heartbeat loop has deleted this instance's key
        (or tried to), through shard 0's Redis connection; that connection must stay up until
        then. True when the loop never started. */
    bool retired() const noexcept;

    /** A chat write's event to everyone who sees it, in two halves: the publications for other
        instances, which the write itself makes (chat/publication.hpp), then, once the write
        succeeded, deliver_local to this instance's sockets. In the payloads, numbers only the
        write knows are placeholder(slot)s. */
    std::vector<chat::publication> publications(std::string_view event,
                                                std::span<const delivery> to) const;
    /** From any thread: `event` to this instance's sockets in each room. */
    void deliver_local(std::string_view event, std::span<const delivery> to) const;
    /** From any thread: false when deliver_local to `rooms` would reach no socket of this
        instance (no shard has a member of them), so the caller need not build the payload. */
    bool reaches_local(const std::vector<std::string>& rooms) const;
    /** The value that stands for `s` in a payload given to publications(). */
    static boost::json::value placeholder(chat::slot s);
    /** From any thread: `event` to each room, on this instance and (published) on the others. */
    void deliver(std::string_view event, std::span<const delivery> to) const;
    /** From any thread: every socket of `user` on this instance joins / leaves `room`. */
    void move(const std::string& user, const std::string& room, bool join) const;
    /** Applies a control-channel message (JSON); false when it is not one. join-room and
        leave-room move sockets; kick, ban, unban, revoke, mute and unmute go to `moderation`. */
    bool control(std::string_view payload) const;
    /** Once, before start(): where moderation messages go (null: ignored). */
    void set_moderation(moderation* m) noexcept { moderation_ = m; }
    /** Delivers a presence transition (presence.hpp's channel) to this instance's sockets that
        watch the user; false when it is not one. */
    bool presence_changed(std::string_view payload) const;
    /** Delivers a redis-adapter broadcast published on `channel` to this instance's sockets;
        false when it is not one for us (ours, another namespace, undecodable). */
    bool remote(std::string_view channel, std::string_view payload) const;

    const hub_settings& settings() const noexcept { return settings_; }

private:
    void emit(std::string room, std::vector<std::string> except, std::string_view event,
              const boost::json::object& payload) const;
    net::awaitable<void> start_on_home();
    net::awaitable<void> stop_on_home();

    hub_settings settings_;
    std::vector<shard_link> shards_;
    socketio::cluster cluster_;
    /** To other instances, through shard 0's publisher connection. */
    void publish(const std::string& room, const std::vector<std::string>& except,
                 std::string_view event, const boost::json::object& payload) const;
    /** The adapter's message of one event to one room. */
    std::string encode_publish(const std::string& room, const std::vector<std::string>& except,
                               std::string_view event, const boost::json::object& payload) const;
    /** To this instance's sockets in `room`, on every shard. */
    void local(std::string room, std::vector<std::string> except, std::string_view event,
               const boost::json::object& payload) const;

    moderation* moderation_ = nullptr;
    std::unique_ptr<redis::subscriber> sub_; // on shard 0's thread
    std::unique_ptr<redis::connection> pub_; // on shard 0's thread
    std::unique_ptr<heartbeat> heartbeat_;   // on shard 0's thread; none without presence
    std::atomic<bool> stopping_{false};
};

/** A fresh instance id: hostname, pid and random bits. */
std::string make_instance_id();

} // namespace senna::realtime

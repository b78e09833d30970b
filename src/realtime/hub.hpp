#pragma once
// The instance-wide side of realtime (issue 5, SPEC §5):
//  - delivery: `new-message` / `update-message` / `delete-message` to `user-<a>` and `user-<b>`
//    (each with `chat` as that receiver sees it) or to `topic-<T>`, and `typing` to the other
//    participants, on every shard of this instance through socketio::cluster;
//  - local_users: each shard's authenticated sockets by user, so that the control channel
//    (`messages:events`: join-room / leave-room) moves all of a user's sockets;
//  - the presence heartbeat (presence.hpp) on shard 0;
//  - several instances: every emit is also published in @socket.io/redis-adapter's format
//    (adapter_codec.hpp) on "<SOCK_REDIS_PREFIX>#/#<room>#", and broadcasts that other
//    instances or @socket.io/redis-emitter publish there reach this instance's sockets (our
//    own publications, recognised by their uid, are skipped). One publisher connection and
//    one subscriber per instance, both on shard 0.
//
// Threading: `hub` is built by app::server before the shards, attached to them once they exist,
// then started; deliver / typing / move may be called from any thread (they only post).
// `local_users` and `presence` belong to one shard each.
//
// Order: the events of one chat are posted to each shard in the order the writes completed on
// the writing shard; a shard's queue is FIFO, so one writer's events reach a socket in order.
// Across instances the same holds: publications go out on one connection in post order, and
// Redis hands them to every subscriber in that order.

#include "chat/id.hpp"
#include "chat/keys.hpp"
#include "net/types.hpp"
#include "redis/endpoint.hpp"
#include "redis/options.hpp"
#include "redis/request.hpp"
#include "socketio/server.hpp"

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace senna::redis {
class connection;
class subscriber;
} // namespace senna::redis

namespace senna::realtime {

class presence;
class moderation;

/** One shard's authenticated sockets by user id (canonical text). */
class local_users {
public:
    void add(const std::string& user, const std::shared_ptr<socketio::socket>& s);
    void remove(const std::string& user, const socketio::socket* s);
    /** All of `user`'s sockets on this shard join (or leave) `room`; returns how many. */
    std::size_t apply(const std::string& user, const std::string& room, bool join);
    std::size_t sockets_of(const std::string& user) const;
    /** `user`'s connected sockets on this shard (a copy: the caller may disconnect them). */
    std::vector<std::shared_ptr<socketio::socket>> sockets(const std::string& user) const;

private:
    std::unordered_map<std::string, std::vector<std::weak_ptr<socketio::socket>>> users_;
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
    /** This process's id (presence field and instance key). */
    std::string instance_id;
};

class hub {
public:
    explicit hub(hub_settings s);
    ~hub();
    hub(const hub&) = delete;
    hub& operator=(const hub&) = delete;

    /** Once, before start(), with every shard. */
    void attach(std::vector<shard_link> shards);
    /** Subscribes to the control channel and starts the heartbeat (on shard 0). Blocks until
        the first heartbeat is written (or failed), so no socket is counted before it. */
    void start();
    /** From any thread: stop the heartbeat and the subscriber (before the shards stop). */
    void stop();
    /** From any thread: true once the stopped heartbeat loop has deleted this instance's key
        (or tried to), through shard 0's Redis connection; that connection must stay up until
        then. True when the loop never started. */
    bool retired() const noexcept { return retired_.load(); }

    /** From any thread: `event` about `chat`, written by `me`, to everyone who sees it. */
    void deliver(std::string_view event, const chat::id& me, const chat::chat_ref& chat,
                 const boost::json::object& payload) const;
    /** deliver() split in two, for a write that carries its own fan-out: the PUBLISH commands
        for other instances, appended to `into` (the write's MULTI), then, once the write
        succeeded, deliver_local to this instance's sockets. */
    void publications(std::string_view event, const chat::id& me, const chat::chat_ref& chat,
                      const boost::json::object& payload, redis::request& into) const;
    void deliver_local(std::string_view event, const chat::id& me, const chat::chat_ref& chat,
                       const boost::json::object& payload) const;
    /** From any thread: `typing` to the other participants of `chat`. */
    void typing(const chat::id& me, const chat::chat_ref& chat) const;
    /** From any thread: every socket of `user` on this instance joins / leaves `room`. */
    void move(const std::string& user, const std::string& room, bool join) const;
    /** Applies a control-channel message (JSON); false when it is not one. join-room and
        leave-room move sockets; kick, ban, unban, revoke, mute and unmute go to `moderation`. */
    bool control(std::string_view payload) const;
    /** Once, before start(): where moderation messages go (null: ignored). */
    void set_moderation(moderation* m) noexcept { moderation_ = m; }
    /** Delivers a redis-adapter broadcast published on `channel` to this instance's sockets;
        false when it is not one for us (ours, another namespace, undecodable). */
    bool remote(std::string_view channel, std::string_view payload) const;

    const hub_settings& settings() const noexcept { return settings_; }

private:
    void emit(std::string room, std::vector<std::string> except, std::string_view event,
              const boost::json::object& payload) const;
    net::awaitable<void> heartbeat_loop();

    hub_settings settings_;
    std::vector<shard_link> shards_;
    socketio::cluster cluster_;
    /** To other instances, through shard 0's publisher connection. */
    void publish(const std::string& room, const std::vector<std::string>& except,
                 std::string_view event, const boost::json::object& payload) const;
    /** The adapter's PUBLISH of one event to one room, appended to `into`. */
    void push_publish(redis::request& into, const std::string& room,
                      const std::vector<std::string>& except, std::string_view event,
                      const boost::json::object& payload) const;
    /** To this instance's sockets in `room`, on every shard. */
    void local(std::string room, std::vector<std::string> except, std::string_view event,
               const boost::json::object& payload) const;

    moderation* moderation_ = nullptr;
    std::unique_ptr<redis::subscriber> sub_; // on shard 0's thread
    std::unique_ptr<redis::connection> pub_; // on shard 0's thread
    net::steady_timer* timer_ = nullptr;     // the heartbeat loop's, while it runs
    std::atomic<bool> stopping_{false};
    std::atomic<bool> retired_{true};
};

/** A fresh instance id: hostname, pid and random bits. */
std::string make_instance_id();

} // namespace senna::realtime

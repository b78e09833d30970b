#pragma once
// The official Socket.IO Admin UI (@socket.io/admin-ui 0.5) served by senna (issue 17): its
// namespace (SOCK_ADMIN_NAMESPACE, "/admin") speaking the UI's protocol, cluster-wide.
//
//  - Login: the CONNECT's auth {username, password} against SOCK_ADMIN_USERNAME and the bcrypt
//    SOCK_ADMIN_PASSWORD_HASH (checked off the shards, on a thread of its own), or {sessionId}
//    of an earlier login (a Redis key holding its SHA-256, 24 hours). A refusal is CONNECT_ERROR
//    "invalid credentials". After the CONNECT: `session` (a new login), `config`
//    {supportedFeatures}, and in development and readonly modes `all_sockets` of every
//    instance.
//  - Every instance sends `server_stats` every 2 s (serverId: its instance id) with its counts
//    and the aggregated connections, disconnections, packets and bytes of the interval; in
//    development and readonly modes also socket_connected / socket_disconnected / room_joined /
//    room_left / event_received / event_sent (at most max_events_per_second per instance).
//  - Commands (not in readonly): join, leave, _disconnect (nsp, room | close, filter?) run on
//    every instance's sockets.
//
// Across instances the admin traffic has a pub/sub channel of its own,
// "<SOCK_REDIS_PREFIX>#admin-ui", on its own subscriber and publisher connections (shard 0):
// nothing of it rides on the chat fan-out. Instances publish only while an admin is watching
// (one is connected on some instance: it announces itself every 2 s), so an idle cluster with
// the UI on sends nothing.
//
// Threading: built by app::server, attached to every shard's Socket.IO server (one observer per
// shard, observer.hpp), started after the shards run. The bus, the stats loop and pending
// socket fetches live on shard 0; each shard's probe records on its own thread and posts what
// it publishes to shard 0.

#include "net/types.hpp"
#include "redis/endpoint.hpp"
#include "redis/options.hpp"
#include "socketio/server.hpp"
#include "util/metrics.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace senna::redis {
class connection;
class subscriber;
} // namespace senna::redis

namespace senna::admin {

enum class mode { development, production, readonly };

struct settings {
    std::string namespace_name = "/admin";
    std::string username;      // empty: no login (development only; config refuses it otherwise)
    std::string password_hash; // bcrypt ($2b$...)
    admin::mode mode = mode::development;
    std::string server_id; // this instance's id (unique per process start)
    /** The bus channel is "<prefix>#admin-ui"; sessions are "<prefix>:admin-ui:session:<sha>". */
    std::string prefix = "senna-sockets";
    redis::endpoint endpoint;
    redis::connection_options redis_options;
    std::chrono::milliseconds stats_interval{2000};
    /** Fine-grained events (socket_connected ... event_sent) one instance publishes a second;
        more are dropped (and counted in the log). */
    std::size_t max_events_per_second = 500;
    /** Sockets one instance lists in answer to all_sockets. */
    std::size_t max_sockets_listed = 10000;
    /** Open sessions by transport, for clientsCount (shared by the shards). */
    std::function<std::int64_t()> clients;
    std::function<std::int64_t()> polling_clients;
    util::metrics::refusals* refusals = nullptr;
};

struct shard {
    net::executor executor;
    socketio::server* io = nullptr;
    /** What a socket's `data` shows (the chat edge gives its user id); may be empty. */
    std::function<boost::json::object(const socketio::socket&)> describe;
};

/** "$2b$..." check of `password` (crypt(3), libxcrypt): slow on purpose (the hash's cost). */
bool password_matches(std::string_view password, const std::string& hash);

class admin_ui {
public:
    explicit admin_ui(settings s);
    ~admin_ui();
    admin_ui(const admin_ui&) = delete;
    admin_ui& operator=(const admin_ui&) = delete;

    /** Once, before start(): declares the namespace on every shard and observes its traffic. */
    void attach(std::vector<shard> shards);
    /** From a coroutine: the bus and the stats loop on shard 0; completes once subscribed. */
    net::awaitable<void> start();
    /** From a coroutine, before the shards stop. */
    net::awaitable<void> stop();

    const settings& config() const noexcept { return settings_; }

    class probe; // one shard's observer (probe.hpp)
    struct impl;

private:
    settings settings_;
    std::unique_ptr<impl> impl_;
};

} // namespace senna::admin

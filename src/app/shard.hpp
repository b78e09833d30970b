#pragma once
// One event loop: an io_context run by one thread, owning its connections, its HTTP listener
// (SO_REUSEPORT) and its Redis connection. Nothing in a shard is touched from another thread;
// others `post` to its io_context (docs/adr/0001-threading.md).

#include "api/admin_routes.hpp"
#include "api/directory.hpp"
#include "api/realtime_handlers.hpp"
#include "api/rest_routes.hpp"
#include "chat/profile_store.hpp"
#include "chat/service.hpp"
#include "engineio/server.hpp"
#include "http/server.hpp"
#include "net/timer_wheel.hpp"
#include "platform/client.hpp"
#include "realtime/hub.hpp"
#include "realtime/local_users.hpp"
#include "realtime/moderation.hpp"
#include "realtime/presence.hpp"
#include "realtime/recovery_store.hpp"
#include "redis/connection.hpp"
#include "redis/memory.hpp"
#include "socketio/server.hpp"
#include "websocket/connection.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>
#include <optional>
#include <thread>

namespace senna::app {

struct shared_state; // server.cpp: what every shard reads (config, verifier, metrics)

/** Where Socket.IO is served: polling requests go through the router, upgrades are taken over
    by the engine (http::upgrade_route). */
inline constexpr const char* socketio_path = "/socket.io/";

/** Adds the Socket.IO polling routes (after the REST ones); `eio` may be null for a probe. */
void add_socketio_routes(http::router& r, engineio::server* eio);

class shard {
public:
    shard(unsigned index, shared_state& shared);
    ~shard();
    shard(const shard&) = delete;
    shard& operator=(const shard&) = delete;

    /** Binds the shard's listening sockets (before run); returns the bound port. */
    std::uint16_t listen(const net::tcp::endpoint& ep) { return http_->listen(ep); }

    /** Starts the thread and the Redis connection; connections are not accepted yet. */
    void run();
    /** From any thread: start accepting connections. */
    void accept();
    /** From a coroutine on any executor: is the shard's Redis connection up? (Asked on the
        shard's thread; the answer completes on the caller's executor.) */
    net::awaitable<bool> redis_ready();

    /** From any thread: stop accepting, close idle connections, finish busy ones. */
    void drain();
    /** From any thread: cut every connection and stop Redis; the thread then ends. */
    void stop();
    void join();

    net::asio::io_context& context() { return ioc_; }
    /** This shard's Engine.IO and Socket.IO servers (use on this shard's thread only). */
    engineio::server& engine() { return *eio_; }
    socketio::server& io() { return *io_; }
    /** What the instance's realtime::hub needs of this shard. */
    realtime::shard_link realtime_link();
    /** What the instance's realtime::moderation needs of this shard. */
    realtime::moderation_shard moderation_link();
    /** This shard's Redis connection (use on its thread). */
    redis::connection& redis() { return *redis_; }

private:
    unsigned index_;
    shared_state& shared_;
    net::asio::io_context ioc_{1};
    std::optional<net::asio::executor_work_guard<net::asio::io_context::executor_type>> work_;
    auth::token_cache tokens_; // verified tokens, shared by this shard's REST and sockets
    realtime::moderation_view moderation_; // this shard's copy of bans, revocations, mutes
    std::unique_ptr<redis::connection> redis_;
    std::unique_ptr<redis::memory_watcher> memory_; // shard 0 only: Redis's memory vs maxmemory
    std::unique_ptr<chat::service> chat_;
    std::unique_ptr<chat::profile_store> profiles_;
    std::unique_ptr<platform::client> platform_; // with SOCK_API_URL only
    std::unique_ptr<api::directory> people_;
    net::timer_wheel wheel_{ioc_.get_executor()}; // every deadline of this shard's connections
    websocket::shard_context ws_{ioc_, wheel_};   // their read buffer and flush list
    http::router router_;
    std::unique_ptr<api::rest_services> services_;
    std::unique_ptr<api::admin_services> admin_;
    std::unique_ptr<http::cors_policy> cors_;
    std::unique_ptr<realtime::recovery_store> sessions_; // with SOCK_RECOVERY_WINDOW_MS > 0
    std::unique_ptr<engineio::server> eio_;
    std::unique_ptr<socketio::server> io_;
    std::unique_ptr<realtime::local_users> users_;
    std::unique_ptr<realtime::presence> presence_;
    std::unique_ptr<api::realtime_services> realtime_;
    std::unique_ptr<http::server> http_;
    std::thread thread_;
};

} // namespace senna::app

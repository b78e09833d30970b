#pragma once
// Socket.IO v5 server of one shard (and v4 for EIO=3 clients), on top of an engineio::server,
// plus `cluster`, the instance-wide broadcast across shards. The API is sketched in socket.hpp.
//
// Threading: `server` and its namespaces are owned by one shard; every call on them runs on
// that shard's thread. `cluster` may be called from any thread: it encodes the packet once and
// posts the shared frame to every shard, where the namespace queues it in its members'
// outboxes (a loop of non-blocking pushes).

#include "engineio/server.hpp"
#include "net/types.hpp"
#include "socketio/observer.hpp"
#include "socketio/room_census.hpp"
#include "socketio/socket.hpp"
#include "util/metrics.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace senna::socketio {

class server;

struct server_settings {
    /** A connection that joins no namespace within this time is closed (reference 45 s). */
    std::chrono::milliseconds connect_timeout{45000};
    /** Default wait for a client's ack of emit_with_ack. */
    std::chrono::milliseconds ack_timeout{10000};
    /** Codec bounds on what clients send. */
    limits codec{};
    /** Connection state recovery (recovery.hpp); off by default. */
    recovery_settings recovery{};
    /** Where a packet refused for its size is counted (may be null). */
    util::metrics::refusals* refusals = nullptr;
};

/** A connect hook: runs for each CONNECT to its namespace, in order; the first refusal wins. */
using connect_hook = std::function<net::awaitable<connect_verdict>(socket&)>;

class namespace_ {
public:
    namespace_(server& srv, std::string name) : server_(srv), name_(std::move(name)) {}
    namespace_(const namespace_&) = delete;
    namespace_& operator=(const namespace_&) = delete;

    const std::string& name() const noexcept { return name_; }
    server& owner() const noexcept { return server_; }

    /** Adds a connect hook (middleware): sees socket.auth() and socket.handshake(). */
    void use(connect_hook hook) { hooks_.push_back(std::move(hook)); }
    /** Runs for every socket that joined, after the CONNECT answer was queued. */
    void on_connection(std::function<void(socket&)> fn) { on_connection_.push_back(std::move(fn)); }
    /** The handler of `event` for every socket of the namespace, declared once. */
    void on(std::string event, namespace_event_handler fn) {
        handlers_[std::move(event)] = std::move(fn);
    }
    /** Events that no handler (the socket's or the namespace's) takes. */
    void on_any(namespace_event_handler fn) { any_handler_ = std::move(fn); }
    /** What the session of a socket keeps of the layer above (recovery.hpp), as JSON; null
        when not set. */
    void session_data(std::function<boost::json::value(const socket&)> fn) {
        session_data_ = std::move(fn);
    }
    /** Takes a restored socket back from its session's data, instead of the connect hooks
        (as the reference skips its middlewares); false refuses the restore, and the client
        goes through the hooks as a fresh connection. Without it every restore is refused. */
    void on_restore(std::function<bool(socket&, const boost::json::value& data)> fn) {
        on_restore_ = std::move(fn);
    }
    /** Runs for every socket of the namespace that disconnects. */
    void on_disconnect(std::function<void(socket&, std::string_view reason)> fn) {
        disconnect_handlers_.push_back(std::move(fn));
    }
    /** Whether sockets keep their CONNECT payload (auth()) after the connection handlers ran;
        true by default, as Socket.IO's socket.handshake.auth. A server that has taken what it
        needs from it (a token) says false and saves its bytes per socket. */
    void keep_auth(bool keep) noexcept { keep_auth_ = keep; }
    /** Likewise for the opening request's headers and query (handshake()): false releases them
        once a socket of this namespace connected. */
    void keep_handshake(bool keep) noexcept { keep_handshake_ = keep; }

    broadcast to(std::string room) {
        broadcast b(*this);
        b.to(std::move(room));
        return b;
    }
    broadcast except(std::string room) {
        broadcast b(*this);
        b.except(std::move(room));
        return b;
    }
    /** To every socket of this namespace on this shard. */
    std::size_t emit(std::string_view event, boost::json::array args = {},
                     std::vector<std::string> attachments = {}) {
        return broadcast(*this).emit(event, std::move(args), std::move(attachments));
    }

    std::size_t size() const noexcept { return sockets_.size(); }
    std::shared_ptr<socket> find(std::string_view id) const;
    /** Calls `fn` for every socket of this namespace on this shard (a snapshot: `fn` may
        disconnect them). */
    template <class Fn> void for_each(Fn fn) const {
        std::vector<std::shared_ptr<socket>> all;
        all.reserve(sockets_.size());
        for (const auto& [id, s] : sockets_)
            all.push_back(s);
        for (auto& s : all)
            fn(*s);
    }
    /** Members of `room` on this shard (0 when none). */
    std::size_t room_size(const std::string& room) const;

    /** The sockets of this shard in any of `rooms` (all when none), minus those in an `except`
        room, minus `exclude`. */
    std::vector<std::shared_ptr<socket>> select(const std::vector<std::string>& rooms,
                                                const std::vector<std::string>& except,
                                                const socket* exclude = nullptr) const;
    /** Queues `f` for the selected sockets; returns how many. See broadcast. */
    std::size_t deliver(const frame& f, const std::vector<std::string>& rooms,
                        const std::vector<std::string>& except, const socket* exclude);

    // --- for client and socket ---
    const std::vector<connect_hook>& hooks() const noexcept { return hooks_; }
    void add(const std::shared_ptr<socket>& s);
    void remove(socket& s);
    void joined(socket& s, const std::string& room);
    void left(socket& s, const std::string& room);
    void connected(socket& s);
    const namespace_event_handler* handler(const std::string& event) const;
    const namespace_event_handler& any_handler() const noexcept { return any_handler_; }
    void disconnected(socket& s, std::string_view reason);
    bool keeps_handshake() const noexcept { return keep_handshake_; }
    boost::json::value session_data_of(const socket& s) const {
        return session_data_ ? session_data_(s) : boost::json::value();
    }
    bool restore(socket& s, const boost::json::value& data) const {
        return on_restore_ && on_restore_(s, data);
    }

private:
    server& server_;
    std::string name_;
    std::vector<connect_hook> hooks_;
    std::vector<std::function<void(socket&)>> on_connection_;
    std::unordered_map<std::string, namespace_event_handler> handlers_;
    namespace_event_handler any_handler_;
    std::vector<std::function<void(socket&, std::string_view)>> disconnect_handlers_;
    std::function<boost::json::value(const socket&)> session_data_;
    std::function<bool(socket&, const boost::json::value&)> on_restore_;
    // Keyed by a view of the socket's own id. A socket's own room is this table, not rooms_.
    std::unordered_map<std::string_view, std::shared_ptr<socket>> sockets_;
    // Members, unordered; a room of a few members is a short vector, not a hash set.
    std::unordered_map<std::string, std::vector<socket*>> rooms_;
    bool keep_auth_ = true;
    bool keep_handshake_ = true;
};

class server {
public:
    /** Attaches to `eio` (sets its on_connection); both belong to the same shard. */
    server(engineio::server& eio, server_settings s = {});
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /** The namespace `name` ("/" or "/x"), created on first use. Only namespaces created this
        way accept connections; others get CONNECT_ERROR "Invalid namespace". */
    namespace_& of(const std::string& name);
    namespace_* find(std::string_view name);

    const server_settings& config() const noexcept { return settings_; }
    /** The instrument of this shard's traffic (observer.hpp); null (the default): none. */
    void observe(observer* o) noexcept { observer_ = o; }
    observer* observing() const noexcept { return observer_; }
    /** Calls `fn` for every namespace of this shard. */
    template <class Fn> void for_each_namespace(Fn fn) const {
        for (const auto& [name, ns] : namespaces_)
            fn(*ns);
    }
    net::executor executor() const { return eio_.executor(); }
    engineio::server& engine() noexcept { return eio_; }
    std::size_t client_count() const noexcept { return clients_; }

    // --- for client ---
    void client_opened() noexcept { ++clients_; }
    void client_closed() noexcept { --clients_; }

    /** The instance's census of rooms (room_census.hpp) that this shard's namespaces keep up to
        date; set once, before the first connection (cluster does it). */
    void share_census(std::shared_ptr<room_census> c) noexcept { census_ = std::move(c); }
    room_census* census() const noexcept { return census_.get(); }
    const std::shared_ptr<room_census>& shared_census() const noexcept { return census_; }

    /** Called on this shard's thread when a room of namespace `nsp` gets its first member on
        this shard (`created`) or loses its last one: socket.io-adapter's create-room /
        delete-room, never for a socket's own room. Set once, before the first connection. */
    using room_hook =
        std::function<void(const std::string& nsp, const std::string& room, bool created)>;
    void on_room(room_hook h) { room_hook_ = std::move(h); }
    const room_hook& room_hook_fn() const noexcept { return room_hook_; }

private:
    engineio::server& eio_;
    server_settings settings_;
    std::shared_ptr<room_census> census_;
    std::unordered_map<std::string, std::unique_ptr<namespace_>> namespaces_;
    std::size_t clients_ = 0;
    observer* observer_ = nullptr;
    room_hook room_hook_;
};

/**
 * The Socket.IO servers of every shard of this instance. Thread-safe: it only reads the list
 * (fixed after start-up) and posts to the shards.
 */
class cluster {
public:
    cluster() = default;
    /** Shares one room_census among the shards' servers (before their first connection): the
        one a cluster made earlier over the same servers gave them (the hub's and the Admin UI's
        clusters span the same shards), else a new one. */
    explicit cluster(std::vector<server*> shards);

    class emitter {
    public:
        emitter(const cluster& c, std::string nsp) : cluster_(&c), nsp_(std::move(nsp)) {}
        emitter& to(std::string room) {
            rooms_.push_back(std::move(room));
            return *this;
        }
        emitter& except(std::string room) {
            except_.push_back(std::move(room));
            return *this;
        }
        /** Encodes the event once, then posts the shared frame to every shard. */
        void emit(std::string_view event, boost::json::array args = {},
                  std::vector<std::string> attachments = {}) const;

    private:
        const cluster* cluster_;
        std::string nsp_;
        std::vector<std::string> rooms_;
        std::vector<std::string> except_;
    };

    emitter of(std::string nsp) const { return emitter(*this, std::move(nsp)); }
    /** Posts `f` to every shard, delivered there to `rooms` minus `except` of `nsp`. */
    void deliver(std::string nsp, frame f, std::vector<std::string> rooms,
                 std::vector<std::string> except) const;
    /** False only when no socket of this instance is in any of `rooms` (room_census.hpp): a
        broadcast to them need not be encoded. True for no rooms (everyone). */
    bool may_reach(const std::vector<std::string>& rooms) const noexcept {
        return !census_ || census_->maybe_any(rooms);
    }
    bool may_reach(std::string_view room) const noexcept {
        return !census_ || census_->maybe(room);
    }

private:
    std::vector<server*> shards_;
    std::shared_ptr<room_census> census_;
};

} // namespace senna::socketio

#pragma once
// The typed Socket.IO API for the layers above (realtime, api). A sketch of its use:
//
//   socketio::server& io = ...;                       // one per shard (server.hpp)
//   io.of("/").use([](socketio::socket& s) -> net::awaitable<socketio::connect_verdict> {
//       if (!s.auth().is_object()) co_return socketio::refuse("Not authorized");
//       s.data = my_identity{...};                     // anything the layer above needs
//       co_return socketio::accept();
//   });
//   io.of("/").on_connection([](socketio::socket& s) {
//       s.join("user-42");
//       s.on("chat", [](socketio::event& ev, socketio::ack_fn ack) {
//           if (ack.wanted()) ack(boost::json::array{"ok"});
//       });
//       s.emit_with_ack("hello", {}, [](boost::system::error_code ec, socketio::event& reply) {
//           /* ec == asio::error::timed_out after the ack timeout */
//       });
//       s.on_disconnect([](std::string_view reason) { /* "transport close", ... */ });
//   });
//   io.of("/").to("user-42").except("muted").emit("message", {...});   // this shard
//   cluster.of("/").to("user-42").emit("message", {...});              // every shard
//
// Threading: a socket, its namespace and its server belong to one shard; call them on that
// shard's thread only. `cluster` (server.hpp) is the one entry point usable from any thread.
//
// Binary: arguments hold placeholders {"_placeholder":true,"num":i} (binary.hpp,
// make_placeholder) where attachments[i] goes, both for received events and for emits.
//
// Disconnect reasons: the names of engineio/disconnect_reason.hpp's table ("transport close",
// "client namespace disconnect", ...), as the reference passes them to its handlers.

#include "engineio/session.hpp"
#include "socketio/packet.hpp"
#include "socketio/recovery.hpp"
#include "socketio/revision.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <any>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace senna::socketio {

class client;
class namespace_;
class socket;

/** A received event (name and arguments), or the arguments of an ack reply (no name). */
struct event {
    std::string name;
    boost::json::array args;
    std::vector<std::string> attachments; // placeholder i in args stands for attachments[i]
};

/** A packet encoded once; broadcast shares it among all receivers (and shards). */
struct frame {
    engineio::shared_text text;
    std::vector<engineio::shared_text> attachments;
    /** A logged event's offset (already the last element of its data); zero otherwise. */
    offset at;
    /** An unlogged event without ack id whose last argument is a string: a client would take
        that string for an offset (recovery.hpp). */
    bool string_tail = false;
};

/** Encodes `p` (attachments become separate binary messages); sets string_tail. */
frame encode_frame(const packet& p);

/** encode_frame of the event packet ["event", payload] to `nsp` (["event", payload, "<at>"]
    when `at` is logged), without attachments, written straight from `payload` (no packet
    built, no copy of the payload): the broadcast hot path. */
frame encode_event_frame(std::string_view nsp, std::string_view event,
                         const boost::json::object& payload, offset at = {});

/** Answers the client's event that asked for an acknowledgement. Copyable; only the first
    call sends; a no-op when the client asked for none or has gone. */
class ack_fn {
public:
    ack_fn() = default;
    ack_fn(std::weak_ptr<socket> s, std::optional<std::uint64_t> id)
        : socket_(std::move(s)), id_(id), done_(std::make_shared<bool>(false)) {}
    bool wanted() const noexcept { return id_.has_value(); }
    void operator()(boost::json::array args = {}, std::vector<std::string> attachments = {}) const;

private:
    std::weak_ptr<socket> socket_;
    std::optional<std::uint64_t> id_;
    std::shared_ptr<bool> done_;
};

using event_handler = std::function<void(event&, ack_fn)>;
/** A handler declared once for every socket of a namespace. */
using namespace_event_handler = std::function<void(socket&, event&, ack_fn)>;
/** An ack reply (ec empty), or ec = asio::error::timed_out / operation_aborted (disconnect). */
using ack_callback = std::function<void(boost::system::error_code, event&)>;

/** A connect hook's answer: accept, or CONNECT_ERROR {message, data}. */
struct connect_verdict {
    bool accepted = true;
    std::string message;
    boost::json::value data;
};
inline connect_verdict accept() {
    return {};
}
inline connect_verdict refuse(std::string message, boost::json::value data = nullptr) {
    return {false, std::move(message), std::move(data)};
}

/** Selects receivers in one namespace of this shard: sockets in any of `to` rooms (all when
    none), minus those in an `except` room, minus the excluded socket. */
class broadcast {
public:
    explicit broadcast(namespace_& ns, const socket* exclude = nullptr)
        : ns_(&ns), exclude_(exclude) {}
    broadcast& to(std::string room) {
        rooms_.push_back(std::move(room));
        return *this;
    }
    broadcast& except(std::string room) {
        except_.push_back(std::move(room));
        return *this;
    }
    /** Encodes once and queues the frame for every receiver; returns how many. */
    std::size_t emit(std::string_view event, boost::json::array args = {},
                     std::vector<std::string> attachments = {});

private:
    namespace_* ns_;
    const socket* exclude_;
    std::vector<std::string> rooms_;
    std::vector<std::string> except_;
};

class socket : public std::enable_shared_from_this<socket> {
public:
    socket(namespace_& ns, client& c, std::string id, boost::json::value auth);
    ~socket();
    socket(const socket&) = delete;
    socket& operator=(const socket&) = delete;

    /** v5: a random id sent in the CONNECT answer; v4: "<nsp>#<engine sid>" ("/": the sid). */
    const std::string& id() const noexcept { return id_; }
    /** The private session id of connection state recovery (recovery.hpp); empty when the
        server does not recover (or for v4 clients). */
    const std::string& pid() const noexcept { return pid_; }
    /** This socket took over a session that a previous connection left (same id and pid). */
    bool recovered() const noexcept { return recovered_; }
    /** The offset of the last logged event queued to this client (zero: none yet). */
    offset last_offset() const noexcept { return last_; }
    namespace_& nsp() const noexcept { return *ns_; }
    /** The client (Engine.IO session) this socket rides on. */
    const client& connection() const noexcept { return *client_; }
    const std::string& nsp_name() const noexcept;
    /** The CONNECT payload (v5), {} when none (and always for v4). Null after the connection
        handlers ran, in a namespace that does not keep it (namespace_::keep_auth). */
    const boost::json::value& auth() const noexcept { return auth_; }
    /** Query, headers and remote address of the request that opened the connection; empty
        once released (namespace_::keep_handshake). */
    const engineio::handshake_request& handshake() const noexcept;
    revision protocol() const noexcept;
    bool connected() const noexcept { return connected_; }

    /** Free slot for the layer above (an identity, say). */
    std::any data;

    /** A handler for this socket only (tests, one-off sockets). Handlers every socket shares
        belong to the namespace (namespace_::on): these cost memory per socket. */
    void on(std::string event, event_handler fn) {
        own().handlers[std::move(event)] = std::move(fn);
    }
    /** Events that have no handler of their own. */
    void on_any(event_handler fn) { own().any = std::move(fn); }
    void on_disconnect(std::function<void(std::string_view reason)> fn) {
        own().disconnect.push_back(std::move(fn));
    }

    /** Sends an event to this socket. False when it is not connected (or the outbox overflowed
        and the connection is closing as a slow consumer). */
    bool emit(std::string_view event, boost::json::array args = {},
              std::vector<std::string> attachments = {});
    /** Sends an event that asks for an ack; `cb` runs exactly once: with the reply, or with
        timed_out after `timeout` (0: the server's ack timeout), or operation_aborted when the
        socket disconnects first. */
    bool emit_with_ack(std::string_view event, boost::json::array args, ack_callback cb,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(0),
                       std::vector<std::string> attachments = {});

    /** Joins `room`; a recovering server keeps the change in the socket's session. */
    void join(const std::string& room);
    void leave(const std::string& room);
    /** The rooms joined, besides the socket's own (its id), which every socket is in. */
    const std::vector<std::string>& rooms() const noexcept { return rooms_; }
    bool in(std::string_view room) const noexcept;
    /** Everyone in `room` of this namespace (this shard) but this socket. */
    broadcast to(std::string room) {
        broadcast b(*ns_, this);
        b.to(std::move(room));
        return b;
    }

    /** Leaves the namespace (DISCONNECT sent, reason "server namespace disconnect"); with
        `close_connection`, closes the whole Engine.IO session too. */
    void disconnect(bool close_connection = false);

    /** The layer above changed what namespace_::session_data returns: keep it (no-op without
        recovery). */
    void session_changed();
    /** The session as the store keeps it: id, pid, rooms, namespace_::session_data. */
    session snapshot() const;
    /** Free for the session store (recovery.hpp): whatever it needs to recognise its own
        record of this socket. */
    std::uint64_t store_tag = 0;

    // --- for client and namespace_ (same shard) ---
    void deliver(const frame& f);
    /** A fresh socket's pid (given before the CONNECT answer). */
    void set_pid(std::string pid) { pid_ = std::move(pid); }
    /** A restored socket: deliveries are held back until end_restore. */
    void begin_restore(std::string pid);
    /** Queues `missed` (each a logged event after `from`), then what was held back that is
        newer than the last of them (or not logged), and stops holding back. */
    void end_restore(const std::vector<frame>& missed, offset from);
    /** The store keeps this socket's session (client, once it connected). */
    void kept();
    /** The connection handlers ran: give back what the namespace does not keep. */
    void connected_done(bool keep_auth);
    void on_event(packet p);
    void on_ack(packet p);
    void on_close(engineio::disconnect_reason reason);
    void send_ack(std::uint64_t id, boost::json::array args, std::vector<std::string> attachments);

private:
    struct pending_ack;
    struct own_handlers {
        std::unordered_map<std::string, event_handler> handlers;
        event_handler any;
        std::vector<std::function<void(std::string_view)>> disconnect;
    };
    own_handlers& own() {
        if (!own_)
            own_ = std::make_unique<own_handlers>();
        return *own_;
    }
    static void ack_timed_out(void* p);
    std::unique_ptr<pending_ack> take_ack(std::uint64_t id);
    /** Queues `f` to the client now: remembers a logged frame's offset, or appends the last
        one to an unlogged frame with a string tail (recovery.hpp). */
    bool send_now(const frame& f);
    session_store* store() const noexcept;

    // Budget (x86-64): 16 enable_shared_from_this, 16 namespace and client, 32 id (20 chars:
    // +32 on the heap), 24 auth (null once connected in senna), 8 own handlers (null in
    // senna), 24 rooms (+32 a room), 8 + 24 acks (empty: no heap), 16 data, 8 flags: ~176.
    // Recovery: 32 pid (+32 on the heap when on), 16 last offset, 8 store tag, 8 held back
    // (null but while restoring): +64.
    namespace_* ns_;
    client* client_;
    std::string id_;
    boost::json::value auth_;
    std::unique_ptr<own_handlers> own_; // only when socket::on was used
    std::vector<std::string> rooms_;
    std::uint64_t next_ack_ = 0;
    // Acks this server waits for: few at a time, a vector (empty: no heap).
    std::vector<std::unique_ptr<pending_ack>> acks_;
    std::string pid_;
    offset last_;
    std::unique_ptr<std::vector<frame>> held_; // while restoring
    bool connected_ = true;
    bool recovered_ = false;
    bool kept_ = false;
};

} // namespace senna::socketio

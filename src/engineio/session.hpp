#pragma once
// One Engine.IO session (v4, or v3 for socket.io-client 1.x/2.x) and its transports: HTTP
// long-polling, WebSocket, and the upgrade from the first to the second.
//
// Ownership and threading: a session lives on the shard that created it (its sid says which,
// see server.hpp) and every member function runs on that shard's thread. The shard's
// engineio::server holds it in its table until it is closed; a pending poll holds a shared_ptr
// for as long as it waits.
//
// The connection model (docs/adr/0003-connection-model.md): no coroutine and no Asio timer per
// session. Over WebSocket the session is the handler of a websocket::connection, which reads
// and writes by callbacks; the heartbeat is one deadline in the shard's timer wheel. Over
// polling, a GET that must wait is parked: the HTTP layer hands its connection to the session,
// which writes the answer when it has packets and gives the connection back (handle_poll).
// The handshake request is kept only until the layer above is done with it (release_request).
//
// Output: one bounded outbox (settings::outbox_limit packets). Over WebSocket it is the
// connection's queue of frames; over polling each GET takes everything queued. A peer whose
// outbox overflows is closed as "slow consumer". Message data is shared
// (std::shared_ptr<const std::string>): a broadcast hands the same text to every receiver, and
// the WebSocket frame is [header][type character][shared text].
//
// Close reasons passed to session_handler::on_close: disconnect_reason.hpp's table.

#include "engineio/address_limit.hpp"
#include "engineio/disconnect_reason.hpp"
#include "engineio/packet.hpp"
#include "engineio/payload.hpp"
#include "http/router.hpp"
#include "http/types.hpp"
#include "net/timer_wheel.hpp"
#include "net/types.hpp"
#include "websocket/connection.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace senna::engineio {

class server;
struct settings;

using shared_text = std::shared_ptr<const std::string>;

enum class transport_kind : std::uint8_t { polling, websocket };

/** What the upper layer sees of the request that opened the session. */
struct handshake_request {
    std::string url;   // the request target, e.g. "/socket.io/?EIO=4&transport=polling&x=1"
    std::string query; // its raw query string
    std::vector<std::pair<std::string, std::string>> headers; // names lower-case
    std::string remote;                                       // peer address

    /** The first header named `name` (lower-case), "" when absent. */
    std::string_view header(std::string_view name) const;
};

/** The upper layer's side of a session (Socket.IO's client object, or a test's echo). */
class session_handler {
public:
    virtual ~session_handler() = default;
    /** A message packet: text (UTF-8) or, with `binary`, bytes. */
    virtual void on_message(std::string_view data, bool binary) = 0;
    /** Called once, when the session closes for `reason`; no message follows. */
    virtual void on_close(disconnect_reason reason) = 0;
};

class session : public std::enable_shared_from_this<session>, private websocket::handler {
public:
    /** Use server's factory; public for make_shared only. */
    session(server& owner, std::string id, transport_kind t, handshake_request req, version v,
            bool base64);
    ~session() override;
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    const std::string& id() const noexcept { return id_; }
    version protocol() const noexcept { return protocol_; }
    transport_kind transport() const noexcept { return transport_; }
    /** The opening request; empty once released. */
    const handshake_request& request() const noexcept;
    /** Gives back the opening request's memory (headers, query): the layer above has what it
        needs from it. */
    void release_request() noexcept { request_.reset(); }
    /** The session's place under SOCK_MAX_CONNECTIONS_PER_IP, given back when it closes. */
    void hold(std::unique_ptr<address_limit::slot> slot) noexcept { slot_ = std::move(slot); }
    /** False once close() or a transport failure began; nothing is sent after that. */
    bool is_open() const noexcept { return state_ == state::open; }

    void set_handler(std::shared_ptr<session_handler> h) { handler_ = std::move(h); }

    /**
     * Queues a message packet. False (and nothing queued) when the session is not open, or
     * when the outbox is full: then the session closes as "slow consumer".
     */
    bool send(shared_text data, bool binary = false);
    bool send(std::string data, bool binary = false);

    /** Server-initiated close: what is queued is still delivered, then the transport closes
        (WebSocket: with the reason's close frame; polling: the next GET gets it and a close
        packet). `reason` goes to on_close. */
    void close(disconnect_reason reason = disconnect_reason::forced_close);
    /** Shutdown: like close(), but a polling client is left to find its transport gone (the
        pending GET's connection is cut unanswered), so that every client library reconnects. */
    void close_for_shutdown();

    std::size_t outbox_size() const noexcept;

    // --- used by engineio::server (same shard) ---
    /** A polling GET. With `can_park`, one that must wait is parked: the HTTP layer hands its
        connection over (http::drop_connection::take) and the session answers it when it has
        packets, then gives it back (server::adopt); no coroutine waits meanwhile. */
    net::awaitable<http::response> handle_poll(const http::request& req, int fd,
                                               bool can_park = false);
    net::awaitable<http::response> handle_post(const http::request& req);
    /** A session that starts on WebSocket: the 101 is queued on `ws`; sends the open packet. */
    void attach_fresh(std::shared_ptr<websocket::connection> ws);
    /** A WebSocket that probes this polling session for an upgrade. */
    void attach_probe(std::shared_ptr<websocket::connection> ws);
    /** Starts the heartbeat and queues the open packet. */
    void start();
    /** Immediate close: nothing more is delivered. */
    void close_now(disconnect_reason reason);

private:
    enum class state : std::uint8_t { open, closing, closed };
    enum class beat : std::uint8_t { interval, awaiting_pong, closing };
    struct outgoing {
        packet_type type;
        shared_text data; // null: no data
        bool binary = false;
    };
    struct upgrade_state;
    struct parked_poll;

    bool enqueue(packet_type t, shared_text data, bool binary);
    bool ws_send(websocket::connection& ws, packet_type t, const shared_text& data, bool binary);
    void wake();
    void on_packet(const packet& p);
    void finish(disconnect_reason reason, bool notify);
    void schedule_beat(beat b, std::chrono::milliseconds after);
    static void on_beat(void* self);
    void end_probe();
    void complete_upgrade();
    /** The upgrade of a session close() was called on during its probe: queued packets, then
        the close, over the WebSocket. */
    void close_after_upgrade();
    /** The WebSocket delivers what it has queued, then its close frame (or is cut when the
        reason has none); the session ends. */
    void close_websocket(disconnect_reason reason);
    http::response payload_response(const http::request& req, std::vector<packet> packets);
    bool must_wait() const noexcept;
    /** What a poll answers now, into `packets`; false: cut it unanswered. */
    bool poll_packets(std::vector<packet>& packets, int fd);
    void park(http::parked_connection c, std::optional<std::string> origin);
    void post_answer();
    void answer_parked();
    void end_parked(std::unique_ptr<parked_poll> p, bool reuse);
    static net::awaitable<void> write_rest(std::shared_ptr<session> self,
                                           std::unique_ptr<parked_poll> p, std::string bytes,
                                           std::size_t sent);

    // websocket::handler
    void on_ws_message(websocket::connection& c, std::string_view data, bool binary) override;
    void on_ws_closed(websocket::connection& c, websocket::end_reason why) override;

    // Budget (x86-64, sizeof 224; 216 measured per idle connection in bench/RESULTS.md): vptr 8,
    // enable_shared_from_this 16, owner 8, id 32 (+32 on the heap: 20 characters), request 8
    // (null once released), handler 16, polling outbox 24 (empty over WebSocket), WebSocket 16,
    // probe 8 and parked poll 8 (null unless one is in progress), address slot 8 (null unless
    // SOCK_MAX_CONNECTIONS_PER_IP), heartbeat deadline 48, v3's
    // last ping 8, poll waiter 8, state and flags 8.
    server& owner_;
    std::string id_;
    std::unique_ptr<handshake_request> request_;
    std::shared_ptr<session_handler> handler_;
    std::vector<outgoing> outbox_; // polling only: over WebSocket the connection queues
    std::shared_ptr<websocket::connection> ws_;
    std::unique_ptr<upgrade_state> upgrade_;    // a probe in progress
    std::unique_ptr<parked_poll> parked_;       // a GET's connection waiting for packets
    std::unique_ptr<address_limit::slot> slot_; // null unless SOCK_MAX_CONNECTIONS_PER_IP
    net::deadline heartbeat_;
    std::chrono::steady_clock::time_point last_ping_; // v3: when the client last pinged
    net::steady_timer* poll_waiter_ = nullptr;        // the pending GET's timer (in its frame)
    transport_kind transport_;
    version protocol_;
    state state_ = state::open;
    beat beat_ = beat::interval;
    bool base64_ = false; // the client asked for base64 binary (`b64=1`)
    bool poll_pending_ = false;
    bool release_poll_ = false; // the pending GET ends with whatever it has (or a noop)
    bool abort_poll_ = false;   // the pending GET ends unanswered (shutdown)
    bool client_closed_ = false;
    bool upgrading_ = false; // a probe succeeded; waiting for the upgrade packet
    bool answer_posted_ = false;
};

} // namespace senna::engineio

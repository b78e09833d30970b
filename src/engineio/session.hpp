#pragma once
// One Engine.IO session (v4, or v3 for socket.io-client 1.x/2.x) and its transports: HTTP
// long-polling, WebSocket, and the upgrade from the first to the second.
//
// Ownership and threading: a session lives on the shard that created it (its sid says which,
// see server.hpp) and every member function runs on that shard's thread. The shard's
// engineio::server holds it in its table until it is closed; coroutines that serve it hold a
// shared_ptr, so the object outlives its last transport operation.
//
// Output: one bounded outbox (settings::outbox_limit packets). Over WebSocket one writer
// coroutine drains it, one frame in flight; over polling each GET takes everything queued. A
// peer whose outbox overflows is closed as "slow consumer". Message data is shared
// (std::shared_ptr<const std::string>): a broadcast hands the same text to every receiver and
// the WebSocket writer sends the type character and the shared text as two buffers.
//
// Close reasons passed to session_handler::on_close: "transport close" (the client closed),
// "transport error", "parse error", "ping timeout", "slow consumer", "forced close" (server
// side), "server shutting down".

#include "engineio/packet.hpp"
#include "engineio/payload.hpp"
#include "http/types.hpp"
#include "net/types.hpp"

#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace senna::engineio {

namespace beast = boost::beast;

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
    version protocol = version::v4;
    bool base64 = false; // the client asked for base64 binary (`b64=1`)

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
    virtual void on_close(std::string_view reason) = 0;
};

class session : public std::enable_shared_from_this<session> {
public:
    /** Use server's factory; public for make_shared only. */
    session(server& owner, std::string id, transport_kind t, handshake_request req);
    ~session();
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    const std::string& id() const noexcept { return id_; }
    version protocol() const noexcept { return request_.protocol; }
    transport_kind transport() const noexcept { return transport_; }
    const handshake_request& request() const noexcept { return request_; }
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
        (polling: the next GET gets it and a close packet). `reason` goes to on_close. */
    void close(std::string_view reason = "forced close");

    std::size_t outbox_size() const noexcept { return outbox_.size(); }

    // --- used by engineio::server (same shard) ---
    net::awaitable<http::response> handle_poll(const http::request& req);
    net::awaitable<http::response> handle_post(const http::request& req);
    /** Serves a WebSocket: `fresh` for a session that starts on it (the open packet is sent
        and the server announces the session once the handshake succeeded), else a probe that
        upgrades a polling session. */
    net::awaitable<void> serve_websocket(net::tcp::socket socket, http::request req, bool fresh);
    /** Starts the heartbeat; for polling sessions also queues the open packet. */
    void start(bool queue_open_packet);
    /** Immediate close: nothing more is delivered. */
    void close_now(std::string_view reason);

private:
    enum class state : std::uint8_t { open, closing, closed };
    struct outgoing {
        packet_type type;
        shared_text data; // null: no data
        bool binary = false;
    };
    struct ws_state;

    bool enqueue(packet_type t, shared_text data, bool binary);
    void wake();
    void on_packet(packet p, bool from_ws);
    void finish(std::string_view reason, bool notify);
    // Each coroutine holds `self` so the session outlives it.
    static net::awaitable<void> heartbeat(std::shared_ptr<session> self);
    static net::awaitable<void> ws_writer(std::shared_ptr<session> self,
                                          std::shared_ptr<ws_state> ws);
    static net::awaitable<void> ws_reader(std::shared_ptr<session> self,
                                          std::shared_ptr<ws_state> ws);
    static net::awaitable<bool> ws_probe(std::shared_ptr<session> self,
                                         std::shared_ptr<ws_state> ws);
    void complete_upgrade(std::shared_ptr<ws_state> ws);
    http::response payload_response(const http::request& req, std::vector<packet> packets);

    server& owner_;
    const settings& settings_;
    std::string id_;
    transport_kind transport_;
    handshake_request request_;
    std::shared_ptr<session_handler> handler_;
    state state_ = state::open;
    std::deque<outgoing> outbox_;

    net::steady_timer heartbeat_timer_;
    bool awaiting_pong_ = false;
    bool pong_received_ = false;
    std::chrono::steady_clock::time_point last_ping_; // v3: when the client last pinged

    // polling
    net::steady_timer poll_timer_; // a pending GET waits on it; wake() cancels it
    bool poll_pending_ = false;
    bool post_pending_ = false;
    bool release_poll_ = false; // the pending GET ends with whatever it has (or a noop)
    bool client_closed_ = false;

    // upgrade and WebSocket
    bool upgrading_ = false;             // a probe succeeded; waiting for the upgrade packet
    bool probing_ = false;               // a WebSocket probe connection is attached
    std::shared_ptr<ws_state> ws_;       // the WebSocket transport, once upgraded
    std::shared_ptr<ws_state> probe_ws_; // a probe in progress
    net::steady_timer write_timer_;      // the WebSocket writer waits on it; wake() cancels it
};

} // namespace senna::engineio

#include "engineio/session.hpp"

#include "engineio/handshake.hpp"
#include "engineio/server.hpp"
#include "http/response.hpp"
#include "net/spawn.hpp"
#include "util/log.hpp"

#include <boost/asio/write.hpp>

#include <cerrno>
#include <sys/socket.h>

namespace senna::engineio {

using clock = std::chrono::steady_clock;

namespace {

const handshake_request empty_request{};

// The type character of each packet type, as the frame's one-byte prefix.
constexpr char type_chars[] = "0123456";
constexpr char type_bytes[] = {0, 1, 2, 3, 4, 5, 6};

// Whether the client of a waiting poll has gone: its connection reads as closed or failed.
bool peer_gone(int fd) {
    if (fd < 0)
        return false;
    char c;
    const auto n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

} // namespace

std::string_view handshake_request::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (k == name)
            return v;
    return {};
}

/** A WebSocket probing a polling session, and how long it may take. */
struct session::upgrade_state {
    std::shared_ptr<websocket::connection> ws;
    net::deadline timeout;
    /** close() came after the probe was answered: the client has paused polling and upgrades
        next, so what is queued and the close go over the WebSocket once it does. */
    std::optional<disconnect_reason> close_after;
};

/** A GET's connection, handed over by the HTTP layer, while it waits for packets. */
struct session::parked_poll {
    parked_poll(http::parked_connection c, std::optional<std::string> o)
        : conn(std::move(c)), origin(std::move(o)) {}
    http::parked_connection conn;
    std::optional<std::string> origin; // the request's, for the answer's CORS headers
    net::deadline write_deadline;      // a long answer that the socket takes slowly
};

session::session(server& owner, std::string id, transport_kind t, handshake_request req, version v,
                 bool base64)
    : owner_(owner), id_(std::move(id)),
      request_(std::make_unique<handshake_request>(std::move(req))), transport_(t), protocol_(v),
      base64_(base64) {}

session::~session() {
    if (parked_) {
        net::error_code ec;
        parked_->conn.socket.close(ec);
        if (parked_->conn.release)
            parked_->conn.release();
    }
    if (ws_)
        ws_->detach();
    if (upgrade_ && upgrade_->ws)
        upgrade_->ws->detach();
}

const handshake_request& session::request() const noexcept {
    return request_ ? *request_ : empty_request;
}

std::size_t session::outbox_size() const noexcept {
    return transport_ == transport_kind::websocket && ws_ ? ws_->queued() : outbox_.size();
}

void session::start() {
    const auto& cfg = owner_.config();
    handshake h;
    h.sid = id_;
    if (transport_ == transport_kind::websocket)
        h.upgrades.clear();
    h.ping_interval_ms = static_cast<std::uint64_t>(cfg.ping_interval.count());
    h.ping_timeout_ms = static_cast<std::uint64_t>(cfg.ping_timeout.count());
    h.max_payload = cfg.max_payload;
    enqueue(packet_type::open, std::make_shared<const std::string>(handshake_json(h, protocol_)),
            false);
    last_ping_ = clock::now();
    if (protocol_ == version::v4)
        schedule_beat(beat::interval, cfg.ping_interval);
    else
        schedule_beat(beat::interval, cfg.ping_interval + cfg.ping_timeout);
}

// ------------------------------------------------------------------------------------ output

bool session::ws_send(websocket::connection& ws, packet_type t, const shared_text& data,
                      bool binary) {
    const auto ti = static_cast<unsigned>(t);
    if (!binary)
        return ws.send(websocket::opcode::text, std::string_view(&type_chars[ti], 1), data);
    if (base64_) {
        std::string tmp;
        encode_frame(packet{t, *data, true}, tmp, protocol_, true);
        return ws.send(websocket::opcode::text, {},
                       std::make_shared<const std::string>(std::move(tmp)));
    }
    if (protocol_ == version::v3)
        return ws.send(websocket::opcode::binary, std::string_view(&type_bytes[ti], 1), data);
    return ws.send(websocket::opcode::binary, {}, data);
}

bool session::enqueue(packet_type t, shared_text data, bool binary) {
    if (state_ != state::open)
        return false;
    const auto& cfg = owner_.config();
    if (transport_ == transport_kind::websocket && ws_) {
        if (ws_send(*ws_, t, data, binary))
            return true;
        if (ws_->is_open()) { // the outbox is full
            owner_.stats().slow_consumer();
            log::warn("eio_slow_consumer", {{"sid", id_}, {"queued", ws_->queued()}});
            close_now(disconnect_reason::slow_consumer);
        }
        return false;
    }
    if (outbox_.size() >= cfg.outbox_limit) {
        owner_.stats().slow_consumer();
        log::warn("eio_slow_consumer", {{"sid", id_}, {"queued", outbox_.size()}});
        close_now(disconnect_reason::slow_consumer);
        return false;
    }
    outbox_.push_back(outgoing{t, std::move(data), binary});
    wake();
    return true;
}

void session::wake() {
    if (poll_waiter_)
        poll_waiter_->cancel();
    if (parked_)
        post_answer();
}

bool session::send(shared_text data, bool binary) {
    return enqueue(packet_type::message, std::move(data), binary);
}

bool session::send(std::string data, bool binary) {
    return send(std::make_shared<const std::string>(std::move(data)), binary);
}

// ----------------------------------------------------------------------------------- closing

void session::close(disconnect_reason reason) {
    if (state_ != state::open)
        return;
    auto self = shared_from_this();
    if (upgrading_ && upgrade_ && upgrade_->ws) {
        // The probe was answered: the client has paused polling (it sends no GET that could
        // take what is queued) and upgrades next. Cutting the probe now would lose the queued
        // packets (a Socket.IO DISCONNECT: the client would see "transport close"), so the
        // close waits for the upgrade and goes over the WebSocket, as in the reference server.
        // If the probe fails instead, polling resumes and its next GET gets them and the close
        // packet; if the client does neither, the closing beat ends the session.
        upgrade_->close_after = reason;
        state_ = state::closing;
        if (auto h = std::move(handler_))
            h->on_close(reason);
        release_poll_ = true;
        schedule_beat(beat::closing, owner_.config().ping_timeout);
        return;
    }
    end_probe();
    if (transport_ == transport_kind::websocket) {
        // The connection delivers what it has queued, then its close frame, on its own.
        if (auto h = std::move(handler_))
            h->on_close(reason);
        close_websocket(reason);
        return;
    }
    state_ = state::closing;
    if (auto h = std::move(handler_))
        h->on_close(reason);
    // The pending GET (or the next one) takes what is queued and a close packet; a client that
    // never comes back for it is forgotten after the ping timeout.
    release_poll_ = true;
    schedule_beat(beat::closing, owner_.config().ping_timeout);
    wake();
}

void session::close_for_shutdown() {
    if (state_ == state::closed)
        return;
    if (transport_ == transport_kind::websocket) {
        close(disconnect_reason::server_shutting_down);
        return;
    }
    // Polling: an Engine.IO close packet reads as a deliberate close to some clients
    // (python-socketio does not reconnect after one). A GET cut unanswered is a lost
    // transport to every client library, which then reconnects (docs/adr/0003).
    auto self = shared_from_this();
    abort_poll_ = true;
    wake();
    close_now(disconnect_reason::server_shutting_down);
}

void session::close_now(disconnect_reason reason) {
    if (state_ == state::closed)
        return;
    finish(reason, state_ == state::open);
}

void session::finish(disconnect_reason reason, bool notify) {
    auto self = shared_from_this(); // forget() may drop the table's reference
    state_ = state::closed;
    heartbeat_.cancel();
    wake();
    if (ws_) {
        // One that is closing (close(), or a protocol error) finishes its close on its own.
        ws_->detach();
        if (ws_->is_open())
            ws_->cut();
    }
    end_probe();
    owner_.stats().closed(transport_);
    slot_.reset();
    owner_.forget(id_);
    log::debug("eio_close", {{"sid", id_}, {"reason", to_string(reason)}});
    if (auto h = std::move(handler_); h && notify)
        h->on_close(reason);
}

// --------------------------------------------------------------------------------- heartbeat

void session::schedule_beat(beat b, std::chrono::milliseconds after) {
    beat_ = b;
    owner_.wheel().schedule(heartbeat_, after, &session::on_beat, this);
}

void session::on_beat(void* p) {
    auto& s = *static_cast<session*>(p);
    auto self = s.shared_from_this();
    const auto& cfg = s.owner_.config();
    if (s.state_ == state::closed)
        return;
    if (s.beat_ == beat::closing || s.state_ == state::closing) {
        s.close_now(disconnect_reason::forced_close); // a closed polling session whose client never
                                                      // came back
        return;
    }
    if (s.protocol_ == version::v3) {
        // v3: the client keeps the heartbeat.
        const auto due = s.last_ping_ + cfg.ping_interval + cfg.ping_timeout;
        if (clock::now() >= due) {
            s.close_now(disconnect_reason::ping_timeout);
            return;
        }
        s.owner_.wheel().schedule_at(s.heartbeat_, due, &session::on_beat, p);
        return;
    }
    if (s.beat_ == beat::awaiting_pong) {
        s.close_now(disconnect_reason::ping_timeout);
        return;
    }
    s.enqueue(packet_type::ping, nullptr, false);
    if (s.state_ == state::open)
        s.schedule_beat(beat::awaiting_pong, cfg.ping_timeout);
}

// ------------------------------------------------------------------------------------- input

void session::on_packet(const packet& p) {
    if (state_ != state::open)
        return;
    switch (p.type) {
    case packet_type::ping:
        if (protocol_ == version::v3) {
            // v3: the client keeps the heartbeat; answer and note it is alive.
            last_ping_ = clock::now();
            enqueue(packet_type::pong,
                    p.data.empty() ? nullptr : std::make_shared<const std::string>(p.data), false);
        }
        break;
    case packet_type::pong:
        if (protocol_ == version::v4 && beat_ == beat::awaiting_pong) {
            schedule_beat(beat::interval, owner_.config().ping_interval);
            if (ws_)
                ws_->trim(); // idle between heartbeats: give back the outbox's memory
        }
        break;
    case packet_type::message:
        if (handler_) {
            auto h = handler_; // the handler may close the session and drop it
            h->on_message(p.data, p.binary);
        }
        break;
    case packet_type::close:
        client_closed_ = true;
        close_now(disconnect_reason::transport_close);
        break;
    default: // open, upgrade (only on a probe), noop: ignored
        break;
    }
}

// ----------------------------------------------------------------------------------- polling

http::response session::payload_response(const http::request& req, std::vector<packet> packets) {
    auto format = response_format(protocol_, !base64_, packets);
    std::string body;
    encode_payload(packets, format, body);
    auto res =
        http::text_response(http::status::ok, std::move(body), content_type(format), req.version());
    owner_.apply_cors(req, res);
    return res;
}

bool session::must_wait() const noexcept {
    return state_ == state::open && transport_ == transport_kind::polling && outbox_.empty() &&
           !upgrading_ && !release_poll_ && !abort_poll_;
}

bool session::poll_packets(std::vector<packet>& packets, int fd) {
    poll_pending_ = false;
    release_poll_ = false;
    if (abort_poll_)
        return false; // shutdown: cut unanswered (close_for_shutdown)
    if (state_ == state::closed) {
        // The client's close packet (a noop ends its pending poll) or a failure (close).
        packets.push_back(
            packet{client_closed_ ? packet_type::noop : packet_type::close, {}, false});
        return true;
    }
    if (transport_ != transport_kind::polling || upgrading_) {
        packets.push_back(packet{packet_type::noop, {}, false}); // the upgrade goes on
        return true;
    }
    if (peer_gone(fd)) {
        // The client went away while its GET waited: what is queued stays for its next GET
        // (or dies with the session at the ping timeout), instead of going to a dead socket.
        return false;
    }
    packets.reserve(outbox_.size() + 1);
    for (auto& o : outbox_)
        packets.push_back(packet{o.type, o.data ? *o.data : std::string(), o.binary});
    outbox_.clear();
    if (state_ == state::closing) {
        packets.push_back(packet{packet_type::close, {}, false});
        finish(disconnect_reason::forced_close, false);
    }
    return true;
}

net::awaitable<http::response> session::handle_poll(const http::request& req, int fd,
                                                    bool can_park) {
    auto self = shared_from_this();
    if (state_ == state::closed || transport_ != transport_kind::polling) {
        auto res = error_response(3, req.version());
        owner_.apply_cors(req, res);
        co_return res;
    }
    if (poll_pending_) {
        // A second GET while one waits: the reference closes the session; the waiting GET
        // gets a close packet, this one an error.
        close(disconnect_reason::transport_error);
        auto res = error_response(3, req.version());
        owner_.apply_cors(req, res);
        co_return res;
    }
    poll_pending_ = true;
    if (must_wait() && can_park) {
        std::optional<std::string> origin;
        if (auto o = req.find(http::field::origin); o != req.end())
            origin.emplace(o->value());
        throw http::drop_connection{
            [self, origin = std::move(origin)](http::parked_connection c) mutable {
                self->park(std::move(c), std::move(origin));
            }};
    }
    {
        net::steady_timer waiter(owner_.executor());
        poll_waiter_ = &waiter;
        while (must_wait()) {
            waiter.expires_at(clock::time_point::max());
            co_await waiter.async_wait(net::use_tuple);
        }
        poll_waiter_ = nullptr;
    }
    std::vector<packet> packets;
    if (!poll_packets(packets, fd))
        throw http::drop_connection{};
    co_return payload_response(req, std::move(packets));
}

void session::park(http::parked_connection c, std::optional<std::string> origin) {
    auto& ioc = owner_.context();
    if (!ioc.get_executor().running_in_this_thread()) {
        // Read on another shard: the descriptor moves to this one, as an upgrade's does.
        net::error_code ec;
        const auto local = c.socket.local_endpoint(ec);
        const bool v6 = !ec && local.address().is_v6();
        const int fd = c.socket.release(ec);
        if (ec) {
            if (c.release)
                c.release();
            return;
        }
        net::asio::post(ioc, [self = shared_from_this(), fd, v6, version = c.version,
                              keep_alive = c.keep_alive, release = std::move(c.release),
                              origin = std::move(origin)]() mutable {
            auto& here = self->owner_.context();
            http::parked_connection moved{
                net::tcp::socket(here.get_executor(), v6 ? net::tcp::v6() : net::tcp::v4(), fd),
                version, keep_alive, std::move(release)};
            self->park(std::move(moved), std::move(origin));
        });
        return;
    }
    parked_ = std::make_unique<parked_poll>(std::move(c), std::move(origin));
    if (!must_wait())
        post_answer(); // something came while the connection was handed over
}

void session::post_answer() {
    if (answer_posted_)
        return;
    answer_posted_ = true;
    // At the end of this turn: what else is queued meanwhile goes in the same answer.
    net::asio::post(owner_.context(), [self = shared_from_this()] {
        self->answer_posted_ = false;
        self->answer_parked();
    });
}

void session::answer_parked() {
    if (!parked_ || must_wait())
        return;
    auto self = shared_from_this(); // poll_packets may finish (and forget) the session
    auto p = std::move(parked_);
    std::vector<packet> packets;
    if (!poll_packets(packets, p->conn.socket.native_handle())) {
        end_parked(std::move(p), false);
        return;
    }
    auto format = response_format(protocol_, !base64_, packets);
    std::string body;
    encode_payload(packets, format, body);
    auto res = http::text_response(http::status::ok, std::move(body), content_type(format),
                                   p->conn.version);
    owner_.apply_cors(p->origin, res);
    res.keep_alive(p->conn.keep_alive);
    auto bytes = http::serialize(res);
    std::size_t sent = 0;
    while (bytes && sent < bytes->size()) {
        const auto n = ::send(p->conn.socket.native_handle(), bytes->data() + sent,
                              bytes->size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            // A full socket buffer (a large payload): the rest within the write deadline.
            net::spawn(owner_.executor(), write_rest(self, std::move(p), std::move(*bytes), sent),
                       "eio_poll_write");
            return;
        }
        end_parked(std::move(p), false);
        return;
    }
    end_parked(std::move(p), bytes.has_value());
}

net::awaitable<void> session::write_rest(std::shared_ptr<session> self,
                                         std::unique_ptr<parked_poll> p, std::string bytes,
                                         std::size_t sent) {
    auto* raw = p.get();
    self->owner_.wheel().schedule(
        p->write_deadline, self->owner_.config().write_timeout,
        [](void* q) {
            net::error_code ec;
            static_cast<parked_poll*>(q)->conn.socket.cancel(ec);
        },
        raw);
    auto [ec, n] = co_await net::asio::async_write(
        p->conn.socket, net::asio::buffer(bytes.data() + sent, bytes.size() - sent),
        net::use_tuple);
    p->write_deadline.cancel();
    self->end_parked(std::move(p), !ec);
}

void session::end_parked(std::unique_ptr<parked_poll> p, bool reuse) {
    if (reuse && p->conn.keep_alive && owner_.adopt) {
        owner_.adopt(std::move(p->conn.socket)); // still counted: the HTTP layer goes on
        return;
    }
    net::error_code ec;
    p->conn.socket.shutdown(net::tcp::socket::shutdown_both, ec);
    p->conn.socket.close(ec);
    if (p->conn.release)
        p->conn.release();
}

net::awaitable<http::response> session::handle_post(const http::request& req) {
    auto self = shared_from_this();
    auto fail = [&](int code) {
        auto res = error_response(code, req.version());
        owner_.apply_cors(req, res);
        return res;
    };
    const auto& cfg = owner_.config();
    if (state_ != state::open || transport_ != transport_kind::polling)
        co_return fail(3);
    const std::string& body = req.body();
    if (body.size() > cfg.max_payload) {
        util::metrics::count(cfg.refusals, util::metrics::refusal::socket_oversize);
        close_now(disconnect_reason::transport_error);
        auto res = http::text_response(http::status::payload_too_large, "Payload Too Large",
                                       "text/plain; charset=utf-8", req.version());
        owner_.apply_cors(req, res);
        co_return res;
    }
    auto ct = req.find(http::field::content_type);
    auto format = request_format(protocol_, ct == req.end() ? std::string_view()
                                                            : std::string_view(ct->value()));
    payload_limits lim;
    lim.max_packet_size = cfg.max_payload;
    auto packets = decode_payload(body, format, lim);
    if (!packets) {
        log::debug("eio_parse_error",
                   {{"sid", id_}, {"error", std::string(packets.error().message())}});
        close_now(disconnect_reason::parse_error);
        co_return fail(3);
    }
    for (auto& p : *packets) {
        on_packet(p);
        if (state_ != state::open)
            break;
    }
    auto res = http::text_response(http::status::ok, "ok", "text/html", req.version());
    owner_.apply_cors(req, res);
    co_return res;
}

// --------------------------------------------------------------------------------- WebSocket

void session::attach_fresh(std::shared_ptr<websocket::connection> ws) {
    ws_ = std::move(ws);
    ws_->start(this);
    start();
}

void session::attach_probe(std::shared_ptr<websocket::connection> ws) {
    if (state_ != state::open || transport_ != transport_kind::polling || upgrade_ || upgrading_) {
        // A second WebSocket for a session that has one: accepted, then closed (reference).
        ws->start(nullptr);
        ws->close(websocket::close_code::policy_violation);
        return;
    }
    upgrade_ = std::make_unique<upgrade_state>();
    upgrade_->ws = std::move(ws);
    upgrade_->ws->start(this);
    owner_.wheel().schedule(
        upgrade_->timeout, owner_.config().upgrade_timeout,
        [](void* p) {
            auto& s = *static_cast<session*>(p);
            auto self = s.shared_from_this();
            s.end_probe();
        },
        this);
}

void session::end_probe() {
    if (!upgrade_)
        return;
    auto up = std::move(upgrade_);
    upgrading_ = false;
    if (up->ws) {
        up->ws->detach();
        up->ws->cut();
    }
    wake();
}

void session::complete_upgrade() {
    auto up = std::move(upgrade_);
    upgrading_ = false;
    transport_ = transport_kind::websocket;
    owner_.stats().upgraded();
    ws_ = std::move(up->ws);
    // What polling had not delivered yet goes out first, in order.
    auto pending = std::move(outbox_);
    outbox_ = {};
    for (auto& o : pending) {
        if (!ws_send(*ws_, o.type, o.data, o.binary)) {
            close_now(disconnect_reason::slow_consumer);
            return;
        }
    }
    wake(); // a pending GET ends with a noop
}

void session::close_after_upgrade() {
    const disconnect_reason reason = *upgrade_->close_after;
    complete_upgrade(); // the queued packets go first, in order
    if (state_ == state::closed || !ws_)
        return; // the WebSocket could not take them (slow consumer)
    close_websocket(reason);
}

void session::close_websocket(disconnect_reason reason) {
    if (ws_) {
        ws_->detach();
        // A reason without a close frame is a cut (the table's; not one close() is given).
        if (const auto code = info(reason).ws_close_code)
            ws_->close(code);
        else
            ws_->cut();
    }
    finish(reason, false);
}

void session::on_ws_message(websocket::connection& c, std::string_view data, bool binary) {
    auto self = shared_from_this();
    if (state_ == state::closed)
        return;
    auto p = decode_frame(data, binary ? frame_kind::binary : frame_kind::text, protocol_);
    if (state_ == state::closing) {
        // Only a probe answered before close() is heard now: its upgrade delivers the close.
        if (upgrade_ && &c == upgrade_->ws.get() && upgrade_->close_after) {
            if (p && p->type == packet_type::upgrade && upgrading_)
                close_after_upgrade();
            else
                end_probe(); // polling's next GET gets what is queued and the close packet
        }
        return;
    }
    if (upgrade_ && &c == upgrade_->ws.get()) {
        if (p && p->type == packet_type::ping && p->data == "probe" && !upgrading_) {
            static const auto probe = std::make_shared<const std::string>("probe");
            c.send(websocket::opcode::text, "3", probe);
            upgrading_ = true;
            wake(); // the pending GET ends with a noop
            return;
        }
        if (p && p->type == packet_type::upgrade && upgrading_) {
            complete_upgrade();
            return;
        }
        end_probe();
        return;
    }
    if (&c != ws_.get())
        return;
    if (!p) {
        close_now(disconnect_reason::parse_error);
        return;
    }
    on_packet(*p);
}

void session::on_ws_closed(websocket::connection& c, websocket::end_reason why) {
    auto self = shared_from_this();
    if (upgrade_ && &c == upgrade_->ws.get()) {
        upgrade_->ws.reset();
        end_probe();
        return;
    }
    if (&c != ws_.get())
        return;
    if (why == websocket::end_reason::too_big) {
        util::metrics::count(owner_.config().refusals, util::metrics::refusal::socket_oversize);
        log::debug("eio_message_too_big", {{"sid", id_}});
    }
    close_now(why == websocket::end_reason::peer_closed ? disconnect_reason::transport_close
                                                        : disconnect_reason::transport_error);
}

} // namespace senna::engineio

#include "engineio/session.hpp"

#include "engineio/handshake.hpp"
#include "engineio/server.hpp"
#include "http/response.hpp"
#include "net/spawn.hpp"
#include "util/log.hpp"

#include <boost/beast/websocket/stream.hpp>

#include <array>

namespace senna::engineio {

namespace websocket = boost::beast::websocket;
using clock = std::chrono::steady_clock;

std::string_view handshake_request::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (k == name)
            return v;
    return {};
}

struct session::ws_state {
    explicit ws_state(net::tcp::socket s) : ws(std::move(s)) {}
    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer buffer;
    bool cut_ = false;

    /** Closes the socket: every pending operation on it ends with an error. */
    void cut() {
        if (cut_)
            return;
        cut_ = true;
        net::error_code ec;
        auto& sock = beast::get_lowest_layer(ws).socket();
        sock.shutdown(net::tcp::socket::shutdown_both, ec);
        sock.close(ec);
    }
};

session::session(server& owner, std::string id, transport_kind t, handshake_request req)
    : owner_(owner), settings_(owner.config()), id_(std::move(id)), transport_(t),
      request_(std::move(req)), heartbeat_timer_(owner.executor()), poll_timer_(owner.executor()),
      write_timer_(owner.executor()) {}

session::~session() = default;

void session::start(bool queue_open_packet) {
    handshake h;
    h.sid = id_;
    if (transport_ == transport_kind::websocket)
        h.upgrades.clear();
    h.ping_interval_ms = static_cast<std::uint64_t>(settings_.ping_interval.count());
    h.ping_timeout_ms = static_cast<std::uint64_t>(settings_.ping_timeout.count());
    h.max_payload = settings_.max_payload;
    (void)queue_open_packet;
    enqueue(packet_type::open, std::make_shared<const std::string>(handshake_json(h, protocol())),
            false);
    last_ping_ = clock::now();
    net::spawn(owner_.executor(), heartbeat(shared_from_this()), "eio_heartbeat");
}

bool session::enqueue(packet_type t, shared_text data, bool binary) {
    if (state_ != state::open)
        return false;
    if (outbox_.size() >= settings_.outbox_limit) {
        owner_.stats().slow_consumer();
        log::warn("eio_slow_consumer", {{"sid", id_}, {"queued", outbox_.size()}});
        close_now("slow consumer");
        return false;
    }
    outbox_.push_back(outgoing{t, std::move(data), binary});
    wake();
    return true;
}

void session::wake() {
    poll_timer_.cancel();
    write_timer_.cancel();
}

bool session::send(shared_text data, bool binary) {
    return enqueue(packet_type::message, std::move(data), binary);
}

bool session::send(std::string data, bool binary) {
    return send(std::make_shared<const std::string>(std::move(data)), binary);
}

void session::close(std::string_view reason) {
    if (state_ != state::open)
        return;
    auto self = shared_from_this();
    state_ = state::closing;
    heartbeat_timer_.cancel();
    if (probe_ws_)
        probe_ws_->cut();
    upgrading_ = false;
    if (auto h = std::move(handler_))
        h->on_close(reason);
    if (transport_ == transport_kind::polling) {
        // The pending GET (or the next one) takes what is queued and a close packet.
        release_poll_ = true;
    }
    wake();
}

void session::close_now(std::string_view reason) {
    if (state_ == state::closed)
        return;
    finish(reason, state_ == state::open);
}

void session::finish(std::string_view reason, bool notify) {
    auto self = shared_from_this(); // forget() may drop the table's reference
    state_ = state::closed;
    heartbeat_timer_.cancel();
    wake();
    if (ws_)
        ws_->cut();
    if (probe_ws_)
        probe_ws_->cut();
    owner_.stats().closed(transport_);
    owner_.forget(id_);
    log::debug("eio_close", {{"sid", id_}, {"reason", reason}});
    if (auto h = std::move(handler_); h && notify)
        h->on_close(reason);
}

void session::on_packet(packet p, bool from_ws) {
    (void)from_ws;
    if (state_ != state::open)
        return;
    switch (p.type) {
    case packet_type::ping:
        if (protocol() == version::v3) {
            // v3: the client keeps the heartbeat; answer and note it is alive.
            last_ping_ = clock::now();
            heartbeat_timer_.cancel();
            enqueue(packet_type::pong,
                    p.data.empty() ? nullptr : std::make_shared<const std::string>(p.data), false);
        }
        break;
    case packet_type::pong:
        if (awaiting_pong_) {
            awaiting_pong_ = false;
            pong_received_ = true;
            heartbeat_timer_.cancel();
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
        close_now("transport close");
        break;
    default: // open, upgrade (only on a probe), noop: ignored
        break;
    }
}

net::awaitable<void> session::heartbeat(std::shared_ptr<session> self) {
    session& s = *self;
    const auto& cfg = s.settings_;
    while (s.state_ != state::closed) {
        if (s.state_ == state::closing) {
            // Server-side close waiting for the client to collect its last packets.
            s.heartbeat_timer_.expires_after(cfg.ping_timeout);
            co_await s.heartbeat_timer_.async_wait(net::use_tuple);
            if (s.state_ == state::closing)
                s.close_now("forced close");
            co_return;
        }
        if (s.protocol() == version::v4) {
            s.heartbeat_timer_.expires_after(cfg.ping_interval);
            co_await s.heartbeat_timer_.async_wait(net::use_tuple);
            if (s.state_ != state::open)
                continue;
            s.awaiting_pong_ = true;
            s.pong_received_ = false;
            s.enqueue(packet_type::ping, nullptr, false);
            if (s.state_ != state::open)
                continue;
            s.heartbeat_timer_.expires_after(cfg.ping_timeout);
            co_await s.heartbeat_timer_.async_wait(net::use_tuple);
            if (s.state_ != state::open)
                continue;
            if (!s.pong_received_) {
                s.close_now("ping timeout");
                co_return;
            }
        } else {
            auto deadline = s.last_ping_ + cfg.ping_interval + cfg.ping_timeout;
            s.heartbeat_timer_.expires_at(deadline);
            co_await s.heartbeat_timer_.async_wait(net::use_tuple);
            if (s.state_ != state::open)
                continue;
            if (clock::now() >= s.last_ping_ + cfg.ping_interval + cfg.ping_timeout) {
                s.close_now("ping timeout");
                co_return;
            }
        }
    }
}

http::response session::payload_response(const http::request& req, std::vector<packet> packets) {
    auto format = response_format(protocol(), !request_.base64, packets);
    std::string body;
    encode_payload(packets, format, body);
    auto res =
        http::text_response(http::status::ok, std::move(body), content_type(format), req.version());
    owner_.apply_cors(req, res);
    return res;
}

net::awaitable<http::response> session::handle_poll(const http::request& req) {
    auto self = shared_from_this();
    if (state_ == state::closed || transport_ != transport_kind::polling) {
        auto res = error_response(3, req.version());
        owner_.apply_cors(req, res);
        co_return res;
    }
    if (poll_pending_) {
        // A second GET while one waits: the reference closes the session; the waiting GET
        // gets a close packet, this one an error.
        close("transport error");
        auto res = error_response(3, req.version());
        owner_.apply_cors(req, res);
        co_return res;
    }
    poll_pending_ = true;
    while (state_ == state::open && transport_ == transport_kind::polling && outbox_.empty() &&
           !upgrading_ && !release_poll_) {
        poll_timer_.expires_at(clock::time_point::max());
        co_await poll_timer_.async_wait(net::use_tuple);
    }
    poll_pending_ = false;
    release_poll_ = false;

    std::vector<packet> packets;
    if (state_ == state::closed) {
        // The client's close packet (a noop ends its pending poll) or a failure (close).
        packets.push_back(
            packet{client_closed_ ? packet_type::noop : packet_type::close, {}, false});
    } else if (transport_ != transport_kind::polling || upgrading_) {
        packets.push_back(packet{packet_type::noop, {}, false}); // the upgrade goes on
    } else {
        packets.reserve(outbox_.size() + 1);
        for (auto& o : outbox_)
            packets.push_back(packet{o.type, o.data ? *o.data : std::string(), o.binary});
        outbox_.clear();
        if (state_ == state::closing) {
            packets.push_back(packet{packet_type::close, {}, false});
            finish("forced close", false);
        }
    }
    co_return payload_response(req, std::move(packets));
}

net::awaitable<http::response> session::handle_post(const http::request& req) {
    auto self = shared_from_this();
    auto fail = [&](int code) {
        auto res = error_response(code, req.version());
        owner_.apply_cors(req, res);
        return res;
    };
    if (state_ != state::open || transport_ != transport_kind::polling)
        co_return fail(3);
    const std::string& body = req.body();
    if (body.size() > settings_.max_payload) {
        close_now("transport error");
        auto res = http::text_response(http::status::payload_too_large, "Payload Too Large",
                                       "text/plain; charset=utf-8", req.version());
        owner_.apply_cors(req, res);
        co_return res;
    }
    auto ct = req.find(http::field::content_type);
    auto format = request_format(protocol(), ct == req.end() ? std::string_view()
                                                             : std::string_view(ct->value()));
    payload_limits lim;
    lim.max_packet_size = settings_.max_payload;
    auto packets = decode_payload(body, format, lim);
    if (!packets) {
        log::debug("eio_parse_error",
                   {{"sid", id_}, {"error", std::string(packets.error().message())}});
        close_now("parse error");
        co_return fail(3);
    }
    for (auto& p : *packets) {
        on_packet(std::move(p), false);
        if (state_ != state::open)
            break;
    }
    auto res = http::text_response(http::status::ok, "ok", "text/html", req.version());
    owner_.apply_cors(req, res);
    co_return res;
}

net::awaitable<void> session::serve_websocket(net::tcp::socket socket, http::request req,
                                              bool fresh) {
    auto self = shared_from_this();
    auto ws = std::make_shared<ws_state>(std::move(socket));
    beast::get_lowest_layer(ws->ws).expires_never();
    websocket::stream_base::timeout opt{};
    opt.handshake_timeout = settings_.upgrade_timeout;
    opt.idle_timeout = fresh ? websocket::stream_base::none() : settings_.upgrade_timeout;
    opt.keep_alive_pings = false;
    ws->ws.set_option(opt);
    ws->ws.read_message_max(settings_.max_payload);
    ws->ws.auto_fragment(false);
    auto [aec] = co_await ws->ws.async_accept(req, net::use_tuple);
    req = {}; // this frame lasts as long as the connection: give back the request's headers
    if (aec) {
        ws->cut();
        if (fresh)
            close_now("transport error");
        co_return;
    }
    if (fresh) {
        ws_ = ws;
        start(true);
        owner_.announce(self);
        if (state_ != state::open && state_ != state::closing)
            co_return;
        net::spawn(owner_.executor(), ws_writer(self, ws), "eio_ws_writer");
        co_await ws_reader(self, ws);
        co_return;
    }
    if (state_ != state::open || transport_ != transport_kind::polling || probe_ws_ || upgrading_) {
        // A second WebSocket for a session that has one: accepted, then closed (reference).
        co_await ws->ws.async_close(websocket::close_code::policy_error, net::use_tuple);
        ws->cut();
        co_return;
    }
    probe_ws_ = ws;
    const bool ok = co_await ws_probe(self, ws);
    if (probe_ws_ == ws)
        probe_ws_.reset();
    if (!ok || state_ != state::open) {
        upgrading_ = false;
        wake();
        ws->cut();
        co_return;
    }
    complete_upgrade(ws);
    net::spawn(owner_.executor(), ws_writer(self, ws), "eio_ws_writer");
    co_await ws_reader(self, ws);
}

net::awaitable<bool> session::ws_probe(std::shared_ptr<session> self,
                                       std::shared_ptr<ws_state> ws) {
    session& s = *self;
    for (;;) {
        ws->buffer.clear();
        auto [ec, n] = co_await ws->ws.async_read(ws->buffer, net::use_tuple);
        if (ec || s.state_ != state::open)
            co_return false;
        std::string_view data(static_cast<const char*>(ws->buffer.data().data()),
                              ws->buffer.size());
        auto p = decode_frame(data, ws->ws.got_text() ? frame_kind::text : frame_kind::binary,
                              s.protocol());
        if (!p)
            co_return false;
        if (p->type == packet_type::ping && p->data == "probe" && !s.upgrading_) {
            static const std::string reply = "3probe";
            ws->ws.text(true);
            auto [wec, wn] = co_await ws->ws.async_write(net::asio::buffer(reply), net::use_tuple);
            if (wec || s.state_ != state::open)
                co_return false;
            s.upgrading_ = true;
            s.wake(); // the pending GET ends with a noop
            continue;
        }
        if (p->type == packet_type::upgrade && s.upgrading_)
            co_return true;
        co_return false;
    }
}

void session::complete_upgrade(std::shared_ptr<ws_state> ws) {
    upgrading_ = false;
    transport_ = transport_kind::websocket;
    owner_.stats().upgraded();
    websocket::stream_base::timeout opt{};
    opt.handshake_timeout = settings_.upgrade_timeout;
    opt.idle_timeout = websocket::stream_base::none();
    opt.keep_alive_pings = false;
    ws->ws.set_option(opt);
    ws_ = std::move(ws);
    wake(); // a pending GET ends with a noop; the writer takes the outbox
}

net::awaitable<void> session::ws_writer(std::shared_ptr<session> self,
                                        std::shared_ptr<ws_state> ws) {
    static constexpr char type_chars[] = "0123456";
    static constexpr unsigned char type_bytes[] = {0, 1, 2, 3, 4, 5, 6};
    session& s = *self;
    for (;;) {
        while (s.outbox_.empty() && s.state_ == state::open && s.ws_ == ws) {
            s.write_timer_.expires_at(clock::time_point::max());
            co_await s.write_timer_.async_wait(net::use_tuple);
        }
        if (s.state_ == state::closed || s.ws_ != ws)
            co_return;
        if (s.outbox_.empty()) { // closing: everything was written
            co_await ws->ws.async_close(websocket::close_code::normal, net::use_tuple);
            if (s.state_ != state::closed)
                s.finish("forced close", false);
            co_return;
        }
        outgoing item = std::move(s.outbox_.front());
        s.outbox_.pop_front();
        const auto t = static_cast<unsigned>(item.type);
        std::string tmp;
        std::array<net::asio::const_buffer, 2> bufs{};
        if (item.binary && s.request_.base64) {
            encode_frame(packet{item.type, *item.data, true}, tmp, s.protocol(), true);
            ws->ws.text(true);
            bufs[0] = net::asio::buffer(tmp);
        } else if (item.binary) {
            ws->ws.binary(true);
            if (s.protocol() == version::v3) {
                bufs[0] = net::asio::buffer(&type_bytes[t], 1);
                bufs[1] = net::asio::buffer(*item.data);
            } else {
                bufs[0] = net::asio::buffer(*item.data);
            }
        } else {
            ws->ws.text(true);
            bufs[0] = net::asio::buffer(&type_chars[t], 1);
            if (item.data)
                bufs[1] = net::asio::buffer(*item.data);
        }
        auto [ec, n] = co_await ws->ws.async_write(bufs, net::use_tuple);
        if (ec) {
            if (s.state_ != state::closed && s.ws_ == ws)
                s.close_now("transport error");
            co_return;
        }
        if (s.settings_.frame_gap.count() > 0 && !s.outbox_.empty()) {
            // Test shims only (settings::frame_gap): let the peer read this frame alone.
            s.write_timer_.expires_after(s.settings_.frame_gap);
            co_await s.write_timer_.async_wait(net::use_tuple);
        }
    }
}

net::awaitable<void> session::ws_reader(std::shared_ptr<session> self,
                                        std::shared_ptr<ws_state> ws) {
    session& s = *self;
    for (;;) {
        ws->buffer.clear();
        auto [ec, n] = co_await ws->ws.async_read(ws->buffer, net::use_tuple);
        if (s.state_ == state::closed || s.ws_ != ws)
            co_return;
        if (ec) {
            const bool clean = ec == websocket::error::closed || ec == net::asio::error::eof ||
                               ec == beast::error::timeout;
            if (ec == websocket::error::message_too_big)
                log::debug("eio_message_too_big", {{"sid", s.id_}});
            s.close_now(clean ? "transport close" : "transport error");
            co_return;
        }
        std::string_view data(static_cast<const char*>(ws->buffer.data().data()),
                              ws->buffer.size());
        auto p = decode_frame(data, ws->ws.got_text() ? frame_kind::text : frame_kind::binary,
                              s.protocol());
        if (!p) {
            s.close_now("parse error");
            co_return;
        }
        s.on_packet(std::move(*p), true);
    }
}

} // namespace senna::engineio

#include "socketio/socket.hpp"

#include "socketio/client.hpp"
#include "socketio/json.hpp"
#include "socketio/server.hpp"
#include "util/strings.hpp"

#include <boost/asio/error.hpp>

#include <algorithm>

namespace senna::socketio {

using engineio::disconnect_reason;

namespace {

engineio::shared_text share(std::string s) {
    return std::make_shared<const std::string>(std::move(s));
}

packet event_packet(const std::string& nsp, std::string_view name, boost::json::array args,
                    std::vector<std::string> attachments) {
    packet p;
    p.type = packet_type::event;
    p.nsp = nsp;
    boost::json::array data;
    data.reserve(args.size() + 1);
    data.emplace_back(boost::json::string(name));
    for (auto& a : args)
        data.push_back(std::move(a));
    p.data = std::move(data);
    p.attachments = std::move(attachments);
    return p;
}

} // namespace

frame encode_frame(const packet& p) {
    frame f;
    f.text = share(encode(p));
    f.string_tail = (p.type == packet_type::event || p.type == packet_type::binary_event) &&
                    !p.id && p.data.is_array() && p.data.get_array().size() > 1 &&
                    p.data.get_array().back().is_string();
    f.attachments.reserve(p.attachments.size());
    for (const auto& a : p.attachments)
        f.attachments.push_back(share(a));
    return f;
}

frame encode_event_frame(std::string_view nsp, std::string_view event,
                         const boost::json::object& payload, offset at) {
    packet head; // type, namespace; no data
    head.type = packet_type::event;
    head.nsp = std::string(nsp);
    std::string out;
    out.reserve(64 + event.size());
    encode(head, out);
    out += '[';
    util::append_json_string(event, out);
    out += ',';
    append_json(payload, out);
    if (at.logged()) {
        out += ",\"";
        at.append_to(out);
        out += '"';
    }
    out += ']';
    frame f;
    f.text = share(std::move(out));
    f.at = at;
    return f;
}

void ack_fn::operator()(boost::json::array args, std::vector<std::string> attachments) const {
    if (!id_ || !done_ || *done_)
        return;
    *done_ = true;
    if (auto s = socket_.lock(); s && s->connected())
        s->send_ack(*id_, std::move(args), std::move(attachments));
}

std::size_t broadcast::emit(std::string_view event, boost::json::array args,
                            std::vector<std::string> attachments) {
    frame f =
        encode_frame(event_packet(ns_->name(), event, std::move(args), std::move(attachments)));
    return ns_->deliver(f, rooms_, except_, exclude_);
}

struct socket::pending_ack {
    ack_callback cb;
    net::deadline timeout;
    socket* owner = nullptr;
    std::uint64_t id = 0;
};

socket::socket(namespace_& ns, client& c, std::string id, boost::json::value auth)
    : ns_(&ns), client_(&c), id_(std::move(id)), auth_(std::move(auth)) {}

socket::~socket() = default;

const std::string& socket::nsp_name() const noexcept {
    return ns_->name();
}

const engineio::handshake_request& socket::handshake() const noexcept {
    return client_->session().request();
}

revision socket::protocol() const noexcept {
    return revision_for(client_->session().protocol());
}

void socket::deliver(const frame& f) {
    if (!connected_)
        return;
    if (held_)
        held_->push_back(f);
    else
        send_now(f);
}

bool socket::send_now(const frame& f) {
    if (f.at.logged()) {
        if (f.at > last_)
            last_ = f.at;
        return client_->send(f);
    }
    if (!f.string_tail || pid_.empty() || !last_.logged())
        return client_->send(f);
    // The client would take the string for an offset: give it the one it has instead.
    const std::string& text = *f.text;
    std::string patched;
    patched.reserve(text.size() + 32);
    patched.append(text, 0, text.size() - 1); // an event's text ends with its array's ']'
    patched += ",\"";
    last_.append_to(patched);
    patched += "\"]";
    frame own;
    own.text = share(std::move(patched));
    own.attachments = f.attachments;
    return client_->send(own);
}

bool socket::emit(std::string_view event, boost::json::array args,
                  std::vector<std::string> attachments) {
    if (!connected_)
        return false;
    if (auto* o = ns_->owner().observing())
        o->event_out(*this, event, args);
    const frame f =
        encode_frame(event_packet(ns_->name(), event, std::move(args), std::move(attachments)));
    return send_now(f);
}

bool socket::emit_with_ack(std::string_view event, boost::json::array args, ack_callback cb,
                           std::chrono::milliseconds timeout,
                           std::vector<std::string> attachments) {
    if (!connected_)
        return false;
    auto p = event_packet(ns_->name(), event, std::move(args), std::move(attachments));
    const std::uint64_t id = next_ack_++;
    p.id = id;
    if (!client_->send(p))
        return false;
    if (!connected_)
        return false;
    auto pa = std::make_unique<pending_ack>();
    pa->cb = std::move(cb);
    pa->owner = this;
    pa->id = id;
    ns_->owner().engine().wheel().schedule(
        pa->timeout, timeout.count() > 0 ? timeout : ns_->owner().config().ack_timeout,
        &socket::ack_timed_out, pa.get());
    acks_.push_back(std::move(pa));
    return true;
}

std::unique_ptr<socket::pending_ack> socket::take_ack(std::uint64_t id) {
    auto it = std::find_if(acks_.begin(), acks_.end(), [id](const auto& a) { return a->id == id; });
    if (it == acks_.end())
        return nullptr;
    auto pa = std::move(*it);
    acks_.erase(it);
    return pa;
}

void socket::ack_timed_out(void* p) {
    auto* pa = static_cast<pending_ack*>(p);
    socket& s = *pa->owner;
    auto self = s.shared_from_this();
    auto mine = s.take_ack(pa->id);
    if (!mine)
        return;
    event none;
    mine->cb(net::asio::error::timed_out, none);
}

void socket::send_ack(std::uint64_t id, boost::json::array args,
                      std::vector<std::string> attachments) {
    if (!connected_)
        return;
    packet p;
    p.type = packet_type::ack;
    p.nsp = ns_->name();
    p.id = id;
    p.data = std::move(args);
    p.attachments = std::move(attachments);
    client_->send(p);
}

bool socket::in(std::string_view room) const noexcept {
    return room == id_ || std::find(rooms_.begin(), rooms_.end(), room) != rooms_.end();
}

void socket::join(const std::string& room) {
    if (!connected_ || in(room))
        return; // its own room it is always in
    rooms_.push_back(room);
    ns_->joined(*this, room);
    session_changed();
}

void socket::leave(const std::string& room) {
    auto it = std::find(rooms_.begin(), rooms_.end(), room);
    if (it == rooms_.end())
        return;
    rooms_.erase(it);
    ns_->left(*this, room);
    session_changed();
}

session_store* socket::store() const noexcept {
    const auto& r = ns_->owner().config().recovery;
    return r.on() ? r.store : nullptr;
}

void socket::session_changed() {
    if (kept_ && connected_)
        if (auto* st = store())
            st->changed(*this);
}

session socket::snapshot() const {
    return session{id_, pid_, rooms_, ns_->session_data_of(*this)};
}

void socket::kept() {
    auto* st = store();
    if (!st || pid_.empty() || !connected_ || kept_)
        return;
    kept_ = true;
    st->keep(*this);
}

void socket::begin_restore(std::string pid) {
    pid_ = std::move(pid);
    recovered_ = true;
    held_ = std::make_unique<std::vector<frame>>();
}

void socket::end_restore(const std::vector<frame>& missed, offset from) {
    auto held = std::move(held_);
    offset seen = from;
    for (const auto& f : missed) {
        send_now(f);
        if (f.at > seen)
            seen = f.at;
    }
    if (!held)
        return;
    // Live events that arrived while the log was read: the logged ones up to `seen` were in
    // what the log gave (or the client had them), the rest follow in the order they came.
    for (const auto& f : *held)
        if (!f.at.logged() || f.at > seen)
            send_now(f);
}

void socket::connected_done(bool keep_auth) {
    if (!keep_auth)
        auth_ = nullptr;
}

void socket::on_event(packet p) {
    if (!connected_ || !p.data.is_array() || p.data.as_array().empty())
        return;
    auto self = shared_from_this();
    auto& arr = p.data.as_array();
    event ev;
    if (arr[0].is_string())
        ev.name = std::string(arr[0].as_string());
    else
        ev.name = to_json(arr[0]);
    ev.args = boost::json::array(arr.begin() + 1, arr.end());
    ev.attachments = std::move(p.attachments);
    if (auto* o = ns_->owner().observing())
        o->event_in(*this, ev);
    ack_fn ack(weak_from_this(), p.id);
    if (own_) {
        auto it = own_->handlers.find(ev.name);
        if (it != own_->handlers.end()) {
            auto fn = it->second; // the handler may replace itself
            fn(ev, std::move(ack));
            return;
        }
    }
    if (const auto* fn = ns_->handler(ev.name)) {
        (*fn)(*this, ev, std::move(ack)); // declared once, before any socket: stable
        return;
    }
    if (own_ && own_->any) {
        auto fn = own_->any;
        fn(ev, std::move(ack));
    } else if (const auto& any = ns_->any_handler()) {
        any(*this, ev, std::move(ack));
    }
}

void socket::on_ack(packet p) {
    if (!p.id)
        return;
    auto self = shared_from_this();
    auto pa = take_ack(*p.id);
    if (!pa)
        return;
    pa->timeout.cancel();
    event reply;
    if (p.data.is_array())
        reply.args = std::move(p.data.as_array());
    reply.attachments = std::move(p.attachments);
    pa->cb(net::error_code(), reply);
}

void socket::disconnect(bool close_connection) {
    if (!connected_)
        return;
    auto self = shared_from_this();
    packet p;
    p.type = packet_type::disconnect;
    p.nsp = ns_->name();
    p.data = nullptr;
    client_->send(p);
    client* c = client_;
    std::string nsp = ns_->name();
    on_close(disconnect_reason::server_namespace_disconnect);
    c->detach(nsp);
    if (close_connection)
        c->close(disconnect_reason::forced_close);
}

void socket::on_close(engineio::disconnect_reason reason) {
    if (!connected_)
        return;
    auto self = shared_from_this();
    if (kept_) {
        kept_ = false;
        if (auto* st = store())
            st->closed(*this, recoverable_reason(reason));
    }
    connected_ = false;
    held_.reset();
    for (const auto& r : rooms_)
        ns_->left(*this, r);
    rooms_.clear();
    ns_->remove(*this);
    auto acks = std::move(acks_);
    acks_.clear();
    for (auto& pa : acks) {
        pa->timeout.cancel();
        event none;
        if (pa->cb)
            pa->cb(net::asio::error::operation_aborted, none);
    }
    const std::string_view name = to_string(reason);
    ns_->disconnected(*this, name);
    if (auto own = std::move(own_)) {
        for (auto& fn : own->disconnect)
            fn(name);
    }
}

} // namespace senna::socketio

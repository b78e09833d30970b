#include "socketio/client.hpp"

#include "net/spawn.hpp"
#include "socketio/error.hpp"
#include "socketio/recovery.hpp"
#include "socketio/server.hpp"
#include "util/log.hpp"

#include <boost/json/object.hpp>

#include <algorithm>

namespace senna::socketio {

using engineio::disconnect_reason;

client::client(server& srv, std::shared_ptr<engineio::session> eio)
    : server_(srv), eio_(eio.get()), revision_(revision_for(eio_->protocol())),
      decoder_(srv.config().codec) {
    server_.client_opened();
    if (auto* o = server_.observing())
        o->client_opened(*this);
}

// Touches nothing outside: a client that never saw on_close is being destroyed with its
// io_context (shutdown), after the server.
client::~client() = default;

std::shared_ptr<socket> client::find(std::string_view nsp) const {
    for (const auto& s : sockets_)
        if (s->nsp_name() == nsp)
            return s;
    return nullptr;
}

void client::on_connect_timeout(void* p) {
    auto& c = *static_cast<client*>(p);
    auto self = c.shared_from_this();
    if (!c.closed_ && !c.ever_connected_)
        c.close(disconnect_reason::forced_close); // no namespace joined in time
}

void client::start() {
    server_.engine().wheel().schedule(connect_timeout_, server_.config().connect_timeout,
                                      &client::on_connect_timeout, this);
    if (revision_ == revision::v4) {
        // v4 clients never ask for "/": the server joins them right away.
        connect("/", boost::json::object());
    }
}

void client::on_message(std::string_view data, bool binary) {
    if (closed_)
        return;
    auto self = shared_from_this();
    if (auto* o = server_.observing())
        o->message_in(data.size());
    auto r = binary ? decoder_.on_binary(data) : decoder_.on_text(data);
    if (!r) {
        if (r.error() == make_error_code(error::packet_too_large) ||
            r.error() == make_error_code(error::attachments_too_large))
            util::metrics::count(server_.config().refusals,
                                 util::metrics::refusal::socket_oversize);
        log::debug("sio_parse_error",
                   {{"sid", sid()}, {"error", std::string(r.error().message())}});
        eio_->close_now(disconnect_reason::parse_error);
        return;
    }
    if (*r)
        on_packet(std::move(**r));
}

void client::on_packet(packet p) {
    switch (p.type) {
    case packet_type::connect: {
        auto parts = split_namespace(p.nsp);
        boost::json::value auth = p.data.is_object() ? std::move(p.data) : boost::json::object();
        connect(parts.name, std::move(auth));
        break;
    }
    case packet_type::disconnect:
        if (auto s = find(p.nsp)) {
            detach(s->nsp_name());
            s->on_close(disconnect_reason::client_namespace_disconnect);
        }
        break;
    case packet_type::event:
    case packet_type::binary_event:
        if (auto s = find(p.nsp))
            s->on_event(std::move(p));
        break;
    case packet_type::ack:
    case packet_type::binary_ack:
        if (auto s = find(p.nsp))
            s->on_ack(std::move(p));
        break;
    case packet_type::connect_error:
        // Only servers send it.
        eio_->close_now(disconnect_reason::parse_error);
        break;
    }
}

void client::connect(std::string_view nsp, boost::json::value auth) {
    std::string name(nsp.empty() ? "/" : nsp);
    namespace_* ns = server_.find(name);
    if (!ns) {
        send(connect_error(name, "Invalid namespace", nullptr, revision_));
        return;
    }
    if (find(name) || std::find(connecting_.begin(), connecting_.end(), name) != connecting_.end())
        return;
    if (server_.config().recovery.on() && revision_ == revision::v5) {
        // socket.io restores only when both are strings (namespace.ts _createSocket).
        const auto* o = auth.if_object();
        const auto* pid = o ? o->if_contains("pid") : nullptr;
        const auto* off = o ? o->if_contains("offset") : nullptr;
        if (pid && pid->is_string() && off && off->is_string()) {
            connecting_.push_back(name);
            net::spawn(server_.executor(), restore(shared_from_this(), name, std::move(auth)),
                       "sio_restore");
            return;
        }
    }
    fresh(*ns, name, std::move(auth));
}

void client::fresh(namespace_& nsr, const std::string& name, boost::json::value auth) {
    namespace_* ns = &nsr;
    std::string id = revision_ == revision::v5 ? random_id()
                     : name == "/"             ? sid()
                                               : name + "#" + sid();
    auto s = std::make_shared<socket>(*ns, *this, std::move(id), std::move(auth));
    if (server_.config().recovery.on() && revision_ == revision::v5)
        s->set_pid(random_id());
    if (ns->hooks().empty()) {
        joined(s);
        return;
    }
    connecting_.push_back(name);
    net::spawn(server_.executor(), run_hooks(shared_from_this(), s), "sio_connect_hook");
}

net::awaitable<void> client::run_hooks(std::shared_ptr<client> self, std::shared_ptr<socket> s) {
    const std::string name = s->nsp_name();
    connect_verdict verdict;
    const auto hooks = s->nsp().hooks();
    for (const auto& hook : hooks) {
        // Awaited into a variable (GCC 12, docs/architecture.md "Compiler pitfalls").
        connect_verdict v = co_await hook(*s);
        if (self->closed_)
            co_return;
        if (!v.accepted) {
            verdict = std::move(v);
            break;
        }
    }
    std::erase(self->connecting_, name);
    if (self->closed_)
        co_return;
    if (!verdict.accepted) {
        self->send(connect_error(name, verdict.message, std::move(verdict.data), self->revision_));
        co_return;
    }
    self->joined(s);
}

void client::joined(const std::shared_ptr<socket>& s) {
    const std::string& name = s->nsp_name();
    sockets_.push_back(s);
    ever_connected_ = true;
    connect_timeout_.cancel();
    s->nsp().add(s);
    send(connect_ack(name, s->id(), revision_, s->pid()));
    if (!s->connected())
        return;
    s->nsp().connected(*s);
    s->kept(); // with the rooms the connection handlers joined
    if (!s->nsp().keeps_handshake() && connecting_.empty())
        eio_->release_request(); // its hooks have read what they needed of the request
}

// Connection state recovery (recovery.hpp): take the session, re-join its rooms (holding back
// what they deliver), read what the log has after the client's offset, send that, then what
// was held back and newer, then the CONNECT answer with the old id. Anything missing (no
// session, an offset gone from the log, a refusal by the layer above) gives a fresh connection
// through the hooks, as the reference does.
net::awaitable<void> client::restore(std::shared_ptr<client> self, std::string name,
                                     boost::json::value auth) {
    session_store& store = *self->server_.config().recovery.store;
    const auto& o = auth.as_object();
    std::string pid(o.at("pid").as_string());
    const std::optional<offset> from = offset::parse(o.at("offset").as_string());
    std::optional<socketio::session> taken;
    if (from)
        taken = co_await store.take(name, pid);
    if (self->closed_)
        co_return; // a session taken here is lost with the connection that asked for it
    namespace_* ns = self->server_.find(name);
    if (taken && !taken->sid.empty() && ns) {
        auto s = std::make_shared<socket>(*ns, *self, taken->sid, auth);
        s->begin_restore(std::move(taken->pid));
        if (ns->restore(*s, taken->data)) {
            ns->add(s);
            for (const auto& r : taken->rooms)
                s->join(r);
            std::vector<std::string> rooms = s->rooms();
            rooms.push_back(s->id());
            auto missed = co_await store.missed(name, std::move(rooms), *from);
            if (self->closed_) {
                // Keep the session for the next attempt, as a drop would have.
                s->kept();
                s->on_close(disconnect_reason::transport_close);
                co_return;
            }
            if (missed) {
                std::erase(self->connecting_, name);
                self->sockets_.push_back(s);
                self->ever_connected_ = true;
                self->connect_timeout_.cancel();
                s->end_restore(*missed, *from);
                self->send(connect_ack(name, s->id(), self->revision_, s->pid()));
                if (!s->connected())
                    co_return;
                ns->connected(*s);
                s->kept();
                if (!ns->keeps_handshake() && self->connecting_.empty())
                    self->eio_->release_request();
                co_return;
            }
        }
        s->on_close(disconnect_reason::server_namespace_disconnect); // undoes the joins; the layer
                                                                     // above's too
    }
    std::erase(self->connecting_, name);
    if (ns)
        self->fresh(*ns, name, std::move(auth));
}

bool client::send(const frame& f) {
    if (closed_ || !eio_->is_open())
        return false;
    if (auto* o = server_.observing()) {
        o->message_out(f.text->size());
        for (const auto& a : f.attachments)
            o->message_out(a->size());
    }
    if (!eio_->send(f.text))
        return false;
    for (const auto& a : f.attachments)
        if (!eio_->send(a, true))
            return false;
    return true;
}

void client::detach(const std::string& nsp) {
    std::erase_if(sockets_, [&](const std::shared_ptr<socket>& s) { return s->nsp_name() == nsp; });
}

void client::close(engineio::disconnect_reason reason) {
    if (closed_)
        return;
    eio_->close(reason); // calls on_close
}

void client::on_close(engineio::disconnect_reason reason) {
    if (closed_)
        return;
    auto self = shared_from_this();
    closed_ = true;
    server_.client_closed();
    if (auto* o = server_.observing())
        o->client_closed(*this, engineio::to_string(reason));
    connect_timeout_.cancel();
    auto sockets = std::move(sockets_);
    sockets_.clear();
    for (auto& s : sockets)
        s->on_close(reason);
    decoder_.reset();
}

} // namespace senna::socketio

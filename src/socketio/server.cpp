#include "socketio/server.hpp"

#include "net/spawn.hpp"
#include "socketio/client.hpp"
#include "socketio/error.hpp"
#include "util/log.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <array>
#include <sys/random.h>

namespace senna::socketio {

namespace {

// A v5 socket id: 20 characters of base64url from the kernel's CSPRNG, like the reference's.
std::string random_id() {
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::array<unsigned char, 20> rnd{};
    std::size_t got = 0;
    while (got < rnd.size()) {
        auto n = ::getrandom(rnd.data() + got, rnd.size() - got, 0);
        if (n > 0)
            got += static_cast<std::size_t>(n);
    }
    std::string id;
    id.reserve(rnd.size());
    for (unsigned char c : rnd)
        id += alphabet[c % 64];
    return id;
}

} // namespace

// ---------------------------------------------------------------------------------- namespace_

std::shared_ptr<socket> namespace_::find(std::string_view id) const {
    auto it = sockets_.find(id);
    return it == sockets_.end() ? nullptr : it->second;
}

std::size_t namespace_::room_size(const std::string& room) const {
    auto it = rooms_.find(room);
    if (it != rooms_.end())
        return it->second.size();
    return sockets_.contains(room) ? 1 : 0; // a socket's own room
}

std::size_t namespace_::deliver(const frame& f, const std::vector<std::string>& rooms,
                                const std::vector<std::string>& except, const socket* exclude) {
    // Receivers are collected first: a push may close a slow consumer, which edits the rooms.
    std::vector<std::shared_ptr<socket>> targets;
    auto excluded = [&](const socket& s) {
        if (&s == exclude)
            return true;
        for (const auto& r : except)
            if (s.in(r))
                return true;
        return false;
    };
    if (rooms.empty()) {
        targets.reserve(sockets_.size());
        for (auto& [id, s] : sockets_)
            if (!excluded(*s))
                targets.push_back(s);
    } else {
        std::unordered_set<const socket*> seen;
        auto take = [&](socket* s) {
            if (excluded(*s) || (rooms.size() > 1 && !seen.insert(s).second))
                return;
            targets.push_back(s->shared_from_this());
        };
        for (const auto& r : rooms) {
            if (auto it = rooms_.find(r); it != rooms_.end()) {
                targets.reserve(targets.size() + it->second.size());
                for (socket* s : it->second)
                    take(s);
            } else if (auto own = sockets_.find(r); own != sockets_.end()) {
                take(own->second.get());
            }
        }
    }
    for (auto& s : targets)
        s->deliver(f);
    return targets.size();
}

void namespace_::add(const std::shared_ptr<socket>& s) {
    sockets_[std::string_view(s->id())] = s;
}

void namespace_::remove(socket& s) {
    auto it = sockets_.find(s.id());
    if (it != sockets_.end() && it->second.get() == &s)
        sockets_.erase(it);
}

void namespace_::joined(socket& s, const std::string& room) {
    rooms_[room].push_back(&s);
}

void namespace_::left(socket& s, const std::string& room) {
    auto it = rooms_.find(room);
    if (it == rooms_.end())
        return;
    auto& members = it->second;
    auto m = std::find(members.begin(), members.end(), &s);
    if (m != members.end()) {
        *m = members.back(); // order within a room is not kept
        members.pop_back();
    }
    if (members.empty())
        rooms_.erase(it);
}

void namespace_::connected(socket& s) {
    auto fns = on_connection_; // a handler may add another
    for (auto& fn : fns) {
        if (!s.connected())
            break;
        fn(s);
    }
    s.connected_done(keep_auth_);
}

const namespace_event_handler* namespace_::handler(const std::string& event) const {
    auto it = handlers_.find(event);
    return it == handlers_.end() ? nullptr : &it->second;
}

void namespace_::disconnected(socket& s, std::string_view reason) {
    for (const auto& fn : disconnect_handlers_)
        fn(s, reason);
}

// -------------------------------------------------------------------------------------- server

server::server(engineio::server& eio, server_settings s) : eio_(eio), settings_(std::move(s)) {
    eio_.on_connection = [this](const std::shared_ptr<engineio::session>& session) {
        auto c = std::make_shared<client>(*this, session);
        session->set_handler(c);
        c->start();
    };
}

namespace_& server::of(const std::string& name) {
    auto it = namespaces_.find(name);
    if (it != namespaces_.end())
        return *it->second;
    auto ns = std::make_unique<namespace_>(*this, name);
    auto& ref = *ns;
    namespaces_.emplace(name, std::move(ns));
    return ref;
}

namespace_* server::find(std::string_view name) {
    auto it = namespaces_.find(std::string(name));
    return it == namespaces_.end() ? nullptr : it->second.get();
}

// ------------------------------------------------------------------------------------- cluster

void cluster::emitter::emit(std::string_view event, boost::json::array args,
                            std::vector<std::string> attachments) const {
    packet p;
    p.type = packet_type::event;
    p.nsp = nsp_;
    boost::json::array data;
    data.reserve(args.size() + 1);
    data.emplace_back(boost::json::string(event));
    for (auto& a : args)
        data.push_back(std::move(a));
    p.data = std::move(data);
    p.attachments = std::move(attachments);
    cluster_->deliver(nsp_, encode_frame(p), rooms_, except_);
}

void cluster::deliver(std::string nsp, frame f, std::vector<std::string> rooms,
                      std::vector<std::string> except) const {
    // The frame's strings are immutable and shared; each shard gets its own copy of the
    // selection (a few short strings) and touches only its own namespace.
    auto shared = std::make_shared<
        const std::tuple<std::string, frame, std::vector<std::string>, std::vector<std::string>>>(
        std::move(nsp), std::move(f), std::move(rooms), std::move(except));
    for (server* s : shards_) {
        net::asio::post(s->executor(), [s, shared] {
            const auto& [name, fr, to, ex] = *shared;
            if (auto* ns = s->find(name))
                ns->deliver(fr, to, ex, nullptr);
        });
    }
}

// -------------------------------------------------------------------------------------- client

client::client(server& srv, std::shared_ptr<engineio::session> eio)
    : server_(srv), eio_(eio.get()), revision_(revision_for(eio_->protocol())),
      decoder_(srv.config().codec) {
    server_.client_opened();
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
        c.close("forced close"); // no namespace joined in time
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
    auto r = binary ? decoder_.on_binary(data) : decoder_.on_text(data);
    if (!r) {
        if (r.error() == make_error_code(error::packet_too_large) ||
            r.error() == make_error_code(error::attachments_too_large))
            util::metrics::count(server_.config().refusals,
                                 util::metrics::refusal::socket_oversize);
        log::debug("sio_parse_error",
                   {{"sid", sid()}, {"error", std::string(r.error().message())}});
        eio_->close_now("parse error");
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
            s->on_close("client namespace disconnect");
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
        eio_->close_now("parse error");
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
    std::string id = revision_ == revision::v5 ? random_id()
                     : name == "/"             ? sid()
                                               : name + "#" + sid();
    auto s = std::make_shared<socket>(*ns, *this, std::move(id), std::move(auth));
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
    send(connect_ack(name, s->id(), revision_));
    if (!s->connected())
        return;
    s->nsp().connected(*s);
    if (!s->nsp().keeps_handshake() && connecting_.empty())
        eio_->release_request(); // its hooks have read what they needed of the request
}

bool client::send(const frame& f) {
    if (closed_ || !eio_->is_open())
        return false;
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

void client::close(std::string_view reason) {
    if (closed_)
        return;
    eio_->close(reason); // calls on_close
}

void client::on_close(std::string_view reason) {
    if (closed_)
        return;
    auto self = shared_from_this();
    closed_ = true;
    server_.client_closed();
    connect_timeout_.cancel();
    auto sockets = std::move(sockets_);
    sockets_.clear();
    for (auto& s : sockets)
        s->on_close(reason);
    decoder_.reset();
}

} // namespace senna::socketio

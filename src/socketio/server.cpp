#include "socketio/server.hpp"

#include "socketio/client.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/object.hpp>

#include <algorithm>

namespace senna::socketio {

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
    auto targets = select(rooms, except, exclude);
    if (auto* o = server_.observing(); o && !targets.empty())
        for (auto& s : targets)
            o->frame_out(*s, f);
    for (auto& s : targets)
        s->deliver(f);
    return targets.size();
}

std::vector<std::shared_ptr<socket>> namespace_::select(const std::vector<std::string>& rooms,
                                                        const std::vector<std::string>& except,
                                                        const socket* exclude) const {
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
    return targets;
}

void namespace_::add(const std::shared_ptr<socket>& s) {
    // A restored socket may take the id of one still here (its connection's drop not noticed
    // yet): the key is a view of the id, so it must view the new socket's, not the old one's.
    // A socket's id is a room it is in (counted once, while the id is in the table).
    if (auto* c = server_.census(); c && !sockets_.contains(std::string_view(s->id())))
        c->add(s->id());
    sockets_.erase(std::string_view(s->id()));
    sockets_.emplace(std::string_view(s->id()), s);
}

void namespace_::remove(socket& s) {
    auto it = sockets_.find(s.id());
    if (it != sockets_.end() && it->second.get() == &s) {
        sockets_.erase(it);
        if (auto* c = server_.census())
            c->remove(s.id());
    }
}

void namespace_::joined(socket& s, const std::string& room) {
    auto& members = rooms_[room];
    const bool created = members.empty();
    if (auto* c = server_.census(); c && created)
        c->add(room); // the room's first member on this shard
    members.push_back(&s);
    if (const auto& hook = server_.room_hook_fn(); hook && created)
        hook(name_, room, true);
    if (auto* o = server_.observing())
        o->joined(s, room);
}

void namespace_::left(socket& s, const std::string& room) {
    if (auto* o = server_.observing())
        o->left(s, room);
    auto it = rooms_.find(room);
    if (it == rooms_.end())
        return;
    auto& members = it->second;
    auto m = std::find(members.begin(), members.end(), &s);
    if (m != members.end()) {
        *m = members.back(); // order within a room is not kept
        members.pop_back();
    }
    if (members.empty()) {
        if (auto* c = server_.census())
            c->remove(room);
        if (const auto& hook = server_.room_hook_fn())
            hook(name_, room, false); // before the erase: `room` may be the map's key
        rooms_.erase(it);
    }
}

void namespace_::connected(socket& s) {
    if (auto* o = server_.observing())
        o->connected(s);
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
    if (auto* o = server_.observing())
        o->disconnected(s, reason);
}

// -------------------------------------------------------------------------------------- server

server::server(engineio::server& eio, server_settings s) : eio_(eio), settings_(s) {
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

cluster::cluster(std::vector<server*> shards) : shards_(std::move(shards)) {
    for (server* s : shards_)
        if (s->census()) {
            census_ = s->shared_census();
            break;
        }
    if (!census_)
        census_ = std::make_shared<room_census>();
    for (server* s : shards_)
        s->share_census(census_);
}

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

} // namespace senna::socketio

// The client events of SPEC §5 (`send-message`, `read`, `typing`, `join-topic`, `leave-topic`,
// `refresh-token`) and `watch-presence` (docs/webhooks.md), each answered through its ack with
// {ok: true, ...} or {error: {code, message}}; an unknown event that wants an ack gets
// UNKNOWN_EVENT.
#include "api/chat_writes.hpp"
#include "api/deliveries.hpp"
#include "api/error_map.hpp"
#include "api/presence_routes.hpp"
#include "api/realtime_edge.hpp"
#include "chat/rooms.hpp"
#include "chat/service.hpp"
#include "net/spawn.hpp"
#include "realtime/hub.hpp"
#include "realtime/presence.hpp"
#include "util/log.hpp"

#include <cmath>
#include <cstdio>
#include <memory>

namespace senna::api::edge {

namespace json = boost::json;
using socketio::socket;

namespace {

// How JavaScript's template literal prints a value (for the messages that quote one).
std::string js_string(const json::value* v) {
    if (!v)
        return "undefined";
    switch (v->kind()) {
    case json::kind::null:
        return "null";
    case json::kind::bool_:
        return v->get_bool() ? "true" : "false";
    case json::kind::int64:
        return std::to_string(v->get_int64());
    case json::kind::uint64:
        return std::to_string(v->get_uint64());
    case json::kind::double_: {
        double d = v->get_double();
        if (std::floor(d) == d && std::fabs(d) < 9.007199254740992e15)
            return std::to_string(static_cast<long long>(d));
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", d);
        return buf;
    }
    case json::kind::string:
        return std::string(v->get_string());
    case json::kind::array: {
        std::string out;
        bool first = true;
        for (const auto& e : v->get_array()) {
            if (!first)
                out += ",";
            first = false;
            if (!e.is_null())
                out += js_string(&e);
        }
        return out;
    }
    case json::kind::object:
        return "[object Object]";
    }
    return "";
}

json::object problem_ack(const chat::problem& p, const realtime_services& s) {
    auto e = to_api_error(p, s.max_text_length);
    return ack_error(e.code, e.message);
}

json::object chat_state(const chat::chat_ref& c) {
    json::object o;
    o["key"] = c.state_key;
    o["inbox_key"] = c.inbox_member;
    return o;
}

// A client event answered through its ack: the job returns the whole ack object.
using job = net::awaitable<json::object> (*)(const realtime_services&, socket&, socket_state&,
                                             json::object payload);

// Declares `name` on the namespace: every socket's event runs `fn` in a coroutine of its own
// and answers with what it returns.
void handle(socketio::namespace_& ns, const realtime_services& s, const std::string& name, job fn) {
    ns.on(name, [&s, fn, name](socket& sock, socketio::event& ev, socketio::ack_fn ack) {
        auto st = state_of(sock);
        if (!admit_event(sock, *st, s, ack))
            return;
        json::object payload;
        if (!ev.args.empty() && ev.args[0].is_object())
            payload = std::move(ev.args[0].get_object());
        if (!st->user) {
            json::array a;
            a.push_back(ack_error(client_error::not_authenticated));
            ack(std::move(a));
            return;
        }
        std::weak_ptr<socket> weak = sock.shared_from_this();
        net::spawn(
            sock.nsp().owner().executor(),
            [](job f, const realtime_services& svc, std::weak_ptr<socket> w, state_ptr state,
               json::object p, socketio::ack_fn reply) -> net::awaitable<void> {
                auto so = w.lock();
                if (!so)
                    co_return;
                json::object answer = co_await f(svc, *so, *state, std::move(p));
                json::array a;
                a.push_back(std::move(answer));
                reply(std::move(a));
            }(fn, s, weak, st, std::move(payload), std::move(ack)),
            name);
    });
}

const json::object* object_field(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_object() ? &v->get_object() : nullptr;
}

chat::outcome<chat::chat_ref> resolve_to(const realtime_services& s, const chat::id& me,
                                         const json::object& payload) {
    const json::object* to = object_field(payload, "to");
    std::string type = js_string(to ? to->if_contains("type") : nullptr);
    std::string id = js_string(to ? to->if_contains("id") : nullptr);
    return s.chat->resolve(me, type, id);
}

// A moderator's mute in a topic refuses the user's sends (and typing) there (issue 17).
std::optional<json::object> muted_ack(const realtime_services& s, const chat::id& me,
                                      const chat::chat_ref& chat) {
    if (chat.type != chat::target::topic || !muted(s.auth, chat.other.text, me.text))
        return std::nullopt;
    util::metrics::count(s.auth.refusals, util::metrics::refusal::socket_user_muted);
    return ack_error(client_error::user_muted);
}

net::awaitable<json::object> send_message(const realtime_services& s, socket&, socket_state& st,
                                          json::object payload) {
    const chat::id me = *st.user;
    auto chat = resolve_to(s, me, payload);
    if (!chat)
        co_return problem_ack(chat.failure(), s);
    const chat::chat_ref ref = *chat;
    if (auto refused = muted_ack(s, me, ref))
        co_return std::move(*refused);
    if (s.limits) {
        const auto d = s.limits->message_write(me.text);
        if (!d.allowed) {
            util::metrics::count(s.auth.refusals, util::metrics::refusal::socket_rate_limited);
            co_return ack_error(client_error::rate_limited);
        }
    }
    auto sent = co_await send_and_deliver(*s.chat, s.hub, me, ref, payload, s.notices);
    if (!sent)
        co_return problem_ack(sent.failure(), s);
    json::object out;
    out["ok"] = true;
    out["state"] = chat_state(ref);
    out["entry"] = entry_json(std::move(*sent));
    if (sent->duplicate)
        out["duplicate"] = true;
    co_return out;
}

// `read` {to, seq?}: the same as POST /api/:target/:id/read; the asking socket gets the ack,
// the user's other sockets the `unread` event.
net::awaitable<json::object> read_chat(const realtime_services& s, socket& sock, socket_state& st,
                                       json::object payload) {
    const chat::id me = *st.user;
    auto chat = resolve_to(s, me, payload);
    if (!chat)
        co_return problem_ack(chat.failure(), s);
    const chat::chat_ref ref = *chat;
    auto seq = read_seq(payload);
    if (!seq)
        co_return problem_ack(seq.failure(), s);
    auto moved = co_await read_and_deliver(*s.chat, s.hub, me, ref, *seq, sock.id());
    if (!moved)
        co_return problem_ack(moved.failure(), s);
    json::object out;
    out["ok"] = true;
    out["state"] = chat_state(ref);
    out["read_seq"] = moved->state.read_seq;
    out["unread"] = moved->state.unread;
    out["total"] = moved->total_unread;
    co_return out;
}

net::awaitable<json::object> typing(const realtime_services& s, socket&, socket_state& st,
                                    json::object payload) {
    const chat::id me = *st.user;
    auto chat = resolve_to(s, me, payload);
    if (!chat)
        co_return problem_ack(chat.failure(), s);
    if (auto refused = muted_ack(s, me, *chat))
        co_return std::move(*refused);
    if (s.hub)
        s.hub->deliver_volatile("typing", api::typing(me, *chat));
    json::object out;
    out["ok"] = true;
    co_return out;
}

std::optional<chat::id> topic_of(const json::object& payload, json::object& error) {
    const auto* v = payload.if_contains("id");
    std::optional<chat::id> id = v ? chat::id::from_json(*v) : std::nullopt;
    if (!id)
        error = ack_error(client_error::invalid_id, "Invalid topic id \"" + js_string(v) + "\"");
    return id;
}

// A socket that joins a topic makes its user one of the topic's members (whom its message
// webhooks are for, docs/webhooks.md) until they leave it; a failure to record it is logged,
// the join itself stands. The ack of the join (or the leave): {ok, room}.
net::awaitable<json::object> membership_ack(const realtime_services& s, const chat::id& topic,
                                            const chat::id& user, bool member) {
    if (s.chat) {
        auto r = co_await s.chat->set_member(topic, user, member);
        if (!r)
            log::warn("membership_failed", {{"topic", topic.text}, {"error", r.failure().detail}});
    }
    json::object out;
    out["ok"] = true;
    out["room"] = chat::topic_room(topic);
    co_return out;
}

// Topic rooms the socket is in (joined here or moved there by the platform's control channel).
std::size_t topic_count(const socket& sock) {
    std::size_t n = 0;
    for (const auto& r : sock.rooms())
        n += chat::is_topic_room(r) ? 1 : 0;
    return n;
}

net::awaitable<json::object> join_topic(const realtime_services& s, socket& sock, socket_state& st,
                                        json::object payload) {
    json::object err;
    auto topic = topic_of(payload, err);
    if (!topic)
        co_return err;
    const std::string room = chat::topic_room(*topic);
    const std::size_t max = s.limits ? s.limits->settings().max_topics_per_socket : 0;
    if (max != 0 && !sock.in(room) && topic_count(sock) >= max) {
        util::metrics::count(s.auth.refusals, util::metrics::refusal::socket_too_many_topics);
        co_return ack_error(client_error::too_many_topics,
                            "A socket may join at most " + std::to_string(max) + " topics");
    }
    sock.join(room);
    co_return co_await membership_ack(s, *topic, *st.user, true);
}

net::awaitable<json::object> leave_topic(const realtime_services& s, socket& sock, socket_state& st,
                                         json::object payload) {
    json::object err;
    auto topic = topic_of(payload, err);
    if (!topic)
        co_return err;
    const std::string room = chat::topic_room(*topic);
    sock.leave(room);
    co_return co_await membership_ack(s, *topic, *st.user, false);
}

// `watch-presence` {"ids": [...]}: the socket now watches exactly these users (an empty list:
// none) and gets `presence` {user_id, status, last_active} on each of their transitions; the
// ack carries their presence now. Rooms are joined before the read, so no transition falls
// between the two.
net::awaitable<json::object> watch_presence(const realtime_services& s, socket& sock, socket_state&,
                                            json::object payload) {
    auto ids = presence_ids(payload.if_contains("ids"), s.presence_watch_limit);
    if (auto* e = std::get_if<api_error>(&ids))
        co_return ack_error(e->code, e->message);
    const auto& want = std::get<std::vector<chat::id>>(ids);
    std::vector<std::string> rooms;
    rooms.reserve(want.size());
    for (const auto& u : want)
        rooms.push_back(chat::presence_room(u));
    std::vector<std::string> old;
    for (const auto& r : sock.rooms())
        if (chat::is_presence_room(r) && std::find(rooms.begin(), rooms.end(), r) == rooms.end())
            old.push_back(r);
    for (const auto& r : old)
        sock.leave(r);
    for (const auto& r : rooms)
        sock.join(r);
    json::array list;
    if (!want.empty() && s.presence) {
        auto shown = co_await s.presence->lookup(want);
        if (!shown)
            co_return ack_error(client_error::store_unavailable);
        for (const auto& p : *shown)
            list.push_back(presence_json(p));
    }
    json::object out;
    out["ok"] = true;
    out["presence"] = std::move(list);
    co_return out;
}

// A fresh token for the same user replaces the one in force (and its expiry).
net::awaitable<json::object> refresh_token(const realtime_services& s, socket& sock,
                                           socket_state& st, json::object payload) {
    std::string token = nonempty(payload.if_contains("token"));
    admission a = verify_token(s, token);
    if (!a.ok)
        co_return ack_error(a.error);
    if (!(chat::id{a.who->user_id, a.who->numeric} == *st.user))
        co_return ack_error(client_error::token_for_another_user);
    st.expires_at = a.who->expires_at;
    st.issued_at = a.who->issued_at;
    if (auto* p = std::any_cast<state_ptr>(&sock.data))
        arm_expiry(sock, *p, s);
    sock.session_changed(); // a restore re-arms the expiry from the session
    json::object out;
    out["ok"] = true;
    co_return out;
}

} // namespace

void add_client_events(socketio::namespace_& ns, const realtime_services& s) {
    handle(ns, s, "send-message", &send_message);
    handle(ns, s, "read", &read_chat);
    handle(ns, s, "typing", &typing);
    handle(ns, s, "join-topic", &join_topic);
    handle(ns, s, "leave-topic", &leave_topic);
    handle(ns, s, "refresh-token", &refresh_token);
    handle(ns, s, "watch-presence", &watch_presence);
    // Events nobody handles still spend the socket's event budget; one that asks for an ack
    // gets an error instead of waiting forever.
    ns.on_any([&s](socket& sock, socketio::event& ev, const socketio::ack_fn& ack) {
        auto st = state_of(sock);
        if (!admit_event(sock, *st, s, ack))
            return;
        if (ack.wanted())
            ack(ack_args(
                ack_error(client_error::unknown_event, "Unknown event \"" + ev.name + "\"")));
    });
}

} // namespace senna::api::edge

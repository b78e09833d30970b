#include "api/realtime_handlers.hpp"

#include "api/abuse_limits.hpp"
#include "api/directory.hpp"
#include "api/error_map.hpp"
#include "api/format.hpp"
#include "api/send.hpp"
#include "chat/service.hpp"
#include "http/query.hpp"
#include "net/spawn.hpp"
#include "platform/client.hpp"
#include "realtime/hub.hpp"
#include "realtime/moderation.hpp"
#include "realtime/presence.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <boost/json/serialize.hpp>

#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>

namespace senna::api {

namespace json = boost::json;
using socketio::socket;
using util::metrics::refusal;

namespace {

const char* const invalid_token_message = "Your token is invalid - please check it and try again";

// What the layer keeps per socket (socket::data). Its deadline is an entry of the shard's
// timer wheel, cancelled at disconnect (and with the state at the latest).
struct socket_state {
    std::optional<chat::id> user;
    std::optional<std::int64_t> expires_at; // exp of the token in force
    std::optional<std::int64_t> issued_at;  // its iat, against a moderator's revocation
    bool authenticating = false;
    bool counted = false;    // presence and local_users know this socket
    socket* owner = nullptr; // the socket whose data this is (valid while it holds the state)
    // Before authentication, the legacy flow's timeout (`authenticate` must come before it);
    // after, the expiry of the token in force. One entry: the two never overlap.
    net::deadline deadline;
    // Abuse limits: this socket's place in its user's socket count (released with the state at
    // the latest), its event budget, and the budget of refusals it may run up before it is cut.
    std::optional<abuse_limits::socket_slot> slot;
    util::token_bucket events;
    util::token_bucket refusals;
};
using state_ptr = std::shared_ptr<socket_state>;

state_ptr state_of(socket& s) {
    if (auto* p = std::any_cast<state_ptr>(&s.data))
        return *p;
    auto st = std::make_shared<socket_state>();
    st->owner = &s;
    s.data = st;
    return st;
}

net::timer_wheel& wheel_of(socket& s) {
    return s.nsp().owner().engine().wheel();
}

std::int64_t now_unix() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

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

std::string nonempty(const json::value* v) {
    if (!v || !v->is_string())
        return {};
    return std::string(util::trim(std::string_view(v->get_string())));
}

// auth.token, then ?token=, then the token header (or Authorization: Bearer).
std::string find_socket_token(const socket& s, const std::string& header) {
    if (s.auth().is_object()) {
        auto t = nonempty(s.auth().get_object().if_contains("token"));
        if (!t.empty())
            return t;
    }
    const auto& hs = s.handshake();
    auto q = http::find_query(hs.query, "token");
    if (q.present) {
        auto t = util::trim(q.value);
        if (!t.empty())
            return std::string(t);
    }
    std::string lower;
    for (char c : header)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto direct = util::trim(hs.header(lower));
    if (!direct.empty())
        return std::string(direct);
    auto authz = util::trim(hs.header("authorization"));
    if (authz.size() > 7 && util::iequals(authz.substr(0, 7), "Bearer "))
        return std::string(util::trim(authz.substr(7)));
    return {};
}

json::object error_ack(std::string_view code, std::string_view message) {
    json::object e;
    e["code"] = code;
    e["message"] = message;
    json::object o;
    o["error"] = std::move(e);
    return o;
}

json::array ack_args(json::object o) {
    json::array a;
    a.push_back(std::move(o));
    return a;
}

const char* const too_many_sockets_message = "Too many connections for this user";

// Takes one of the user's socket slots on this instance; false when they hold the maximum.
bool take_socket_slot(socket_state& st, const realtime_services& s) {
    if (!s.limits || st.slot)
        return true;
    auto slot = s.limits->acquire_socket(st.user->text);
    if (!slot) {
        util::metrics::count(s.auth.refusals, refusal::socket_too_many_sockets);
        return false;
    }
    st.slot.emplace(std::move(slot));
    return true;
}

// The per-socket event rate (docs/limits.md): true when the event may run. Otherwise an event
// that wants an ack gets RATE_LIMITED and one that does not is dropped; refusals have a budget
// of their own (10 x the burst, refilled at the event rate) and a socket that exhausts it, a
// flood rather than an eager client, is disconnected.
bool admit_event(socket& sock, socket_state& st, const realtime_services& s,
                 const socketio::ack_fn& ack) {
    if (!s.limits)
        return true;
    const util::rate& r = s.limits->settings().socket_events;
    const auto now = util::rate_clock::now();
    if (st.events.take(r, now).allowed)
        return true;
    const util::rate refusal_budget{r.per_second, 10 * r.burst};
    if (!st.refusals.take(refusal_budget, now).allowed) {
        util::metrics::count(s.auth.refusals, refusal::socket_flood);
        log::warn("socket_flood",
                  {{"socket", sock.id()}, {"user", st.user ? st.user->text : std::string("-")}});
        sock.disconnect(true);
        return false;
    }
    util::metrics::count(s.auth.refusals, refusal::socket_events_rate_limited);
    ack(ack_args(error_ack(rate_limited_code, "Too many events - please slow down")));
    return false;
}

json::object problem_ack(const chat::problem& p, const realtime_services& s) {
    auto e = to_api_error(p, s.max_text_length);
    return error_ack(e.code, e.message);
}

json::object chat_state(const chat::chat_ref& c) {
    json::object o;
    o["key"] = c.state_key;
    o["inbox_key"] = c.inbox_member;
    return o;
}

// A verified token and the platform's word on it.
struct admission {
    bool ok = false;
    std::string code;
    std::string message;
    std::optional<auth::identity> who;
};

admission verify_token(const realtime_services& s, std::string_view token) {
    admission a;
    auto r = api::verify_token(s.auth, token, now_unix());
    if (!r) {
        util::metrics::count(s.auth.refusals, refusal::socket_invalid_token);
        a.code = "INVALID_TOKEN_ERR";
        const bool no_user = r.error() == auth::make_error_code(auth::error::invalid_user_id);
        a.message =
            no_user ? "Incorrect token - please try a different one" : invalid_token_message;
        return a;
    }
    switch (moderation_of(s.auth, *r)) {
    case moderated::banned:
        util::metrics::count(s.auth.refusals, refusal::socket_user_banned);
        a.code = user_banned_code;
        a.message = user_banned_message;
        return a;
    case moderated::revoked:
        util::metrics::count(s.auth.refusals, refusal::socket_token_revoked);
        a.code = token_revoked_code;
        a.message = token_revoked_message;
        return a;
    case moderated::no:
        break;
    }
    a.ok = true;
    a.who = std::move(*r);
    return a;
}

net::awaitable<admission> admit(const realtime_services& s, std::string token) {
    admission a = verify_token(s, token);
    if (!a.ok)
        co_return a;
    if (s.platform) {
        platform::session_result r = co_await s.platform->session(token);
        using oc = platform::session_result::outcome;
        if (r.result == oc::refused) {
            util::metrics::count(s.auth.refusals, r.reason == "banned"
                                                      ? refusal::socket_user_banned
                                                      : refusal::socket_session_rejected);
            a.ok = false;
            if (r.reason == "banned") {
                a.code = "USER_BANNED";
                a.message = "Banned users cannot use this";
            } else if (r.reason == "deleted") {
                a.code = "USER_DELETED";
                a.message = "Deleted users cannot use this";
            } else {
                a.code = "SESSION_REJECTED";
                a.message = "The platform rejected this session";
            }
            co_return a;
        }
        if (r.result == oc::failed) {
            log::warn("session_check_failed",
                      {{"reason", r.reason}, {"admitting", s.session_fail_open}});
            if (!s.session_fail_open) {
                util::metrics::count(s.auth.refusals, refusal::socket_session_rejected);
                a.ok = false;
                a.code = "SESSION_CHECK_FAILED";
                a.message = "The platform could not confirm this session - please try again later";
                co_return a;
            }
        }
    }
    if (s.people)
        s.people->remember(chat::id{a.who->user_id, a.who->numeric}, a.who->claims);
    co_return a;
}

// Disconnects the socket when the token in force expires (as verification would refuse it:
// exp plus the leeway), unless a refresh re-armed the deadline first.
void arm_expiry(socket& sock, const state_ptr& st, const realtime_services& s) {
    st->deadline.cancel();
    if (!st->expires_at)
        return;
    const auto left = std::chrono::seconds(*st->expires_at + s.auth.leeway_seconds - now_unix());
    wheel_of(sock).schedule(
        st->deadline, std::max<std::chrono::milliseconds>(left, {}),
        [](void* p) {
            auto* state = static_cast<socket_state*>(p);
            auto sp = state->owner->shared_from_this();
            if (!sp->connected())
                return;
            json::object o;
            o["code"] = "INVALID_TOKEN_ERR";
            o["name"] = "TokenExpiredError";
            o["message"] = "Your token has expired - please authenticate again";
            json::array args;
            args.push_back(std::move(o));
            sp->emit("token-expired", std::move(args));
            sp->disconnect();
        },
        st.get());
}

void on_authenticated(socket& sock, const state_ptr& st, const realtime_services& s) {
    const chat::id me = *st->user;
    sock.join("user-" + me.text);
    st->counted = true;
    if (s.users)
        s.users->add(me.text, sock.shared_from_this());
    if (s.presence)
        net::spawn(sock.nsp().owner().executor(), s.presence->arrived(me), "presence_arrived");
    arm_expiry(sock, st, s);
}

// The seed's socketio-jwt flow: no token at connect, `authenticate` {token} within the timeout.
void await_legacy_authentication(socket& sock, const state_ptr& st, const realtime_services& s) {
    wheel_of(sock).schedule(
        st->deadline, s.auth_timeout,
        [](void* p) {
            auto* state = static_cast<socket_state*>(p);
            if (state->user)
                return;
            state->owner->shared_from_this()->disconnect(true);
        },
        st.get());
}

// The `authenticate` event of the legacy flow (declared once for the namespace).
void authenticate(socket& sock, socketio::event& ev, socketio::ack_fn ack,
                  const realtime_services& s) {
    auto st = state_of(sock);
    if (!admit_event(sock, *st, s, ack))
        return;
    if (st->user) {
        sock.emit("authenticated");
        return;
    }
    if (st->authenticating)
        return;
    st->authenticating = true;
    st->deadline.cancel();
    std::string token;
    if (!ev.args.empty() && ev.args[0].is_object())
        token = nonempty(ev.args[0].get_object().if_contains("token"));
    std::weak_ptr<socket> weak = sock.shared_from_this();
    net::spawn(
        sock.nsp().owner().executor(),
        [](std::weak_ptr<socket> w, state_ptr state, const realtime_services& svc,
           std::string tok) -> net::awaitable<void> {
            admission a = co_await admit(svc, std::move(tok));
            auto so = w.lock();
            if (!so || !so->connected())
                co_return;
            if (a.ok) {
                state->user = chat::id{a.who->user_id, a.who->numeric};
                if (!take_socket_slot(*state, svc)) {
                    state->user.reset();
                    a.ok = false;
                    a.code = "TOO_MANY_SOCKETS";
                    a.message = too_many_sockets_message;
                }
            }
            if (a.ok) {
                state->expires_at = a.who->expires_at;
                state->issued_at = a.who->issued_at;
                so->emit("authenticated");
                on_authenticated(*so, state, svc);
                co_return;
            }
            // The seed's codes: invalid_token, api_error (session check failed), user_error;
            // and too_many_sockets for senna's per-user socket limit.
            std::string code = a.code == "INVALID_TOKEN_ERR" || a.code == token_revoked_code
                                   ? "invalid_token"
                               : a.code == "SESSION_CHECK_FAILED" ? "api_error"
                               : a.code == "TOO_MANY_SOCKETS"     ? "too_many_sockets"
                                                                  : "user_error";
            json::object detail;
            detail["message"] = a.message;
            detail["code"] = code;
            detail["type"] = "UnauthorizedError";
            json::object body = detail;
            body["data"] = detail;
            json::array args;
            args.push_back(std::move(body));
            so->emit("unauthorized", std::move(args));
            // Leave the namespace but let the client close the connection: closing it here
            // can drop the queued packets when the client is mid-upgrade to WebSocket.
            so->disconnect();
        }(weak, st, s, std::move(token)),
        "socket_authenticate");
}

// A client event answered through its ack: the job returns the whole ack object.
using job = net::awaitable<json::object> (*)(const realtime_services&, socket&, socket_state&,
                                             json::object payload);

// Declares `name` on the namespace: every socket's event runs `fn` in a coroutine of its own
// and answers with what it returns.
void handle(socketio::namespace_& ns, const realtime_services& s, std::string name, job fn) {
    ns.on(name, [&s, fn, name](socket& sock, socketio::event& ev, socketio::ack_fn ack) {
        auto st = state_of(sock);
        if (!admit_event(sock, *st, s, ack))
            return;
        json::object payload;
        if (!ev.args.empty() && ev.args[0].is_object())
            payload = std::move(ev.args[0].get_object());
        if (!st->user) {
            json::array a;
            a.push_back(error_ack("NOT_AUTHENTICATED", "You are not authenticated"));
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
    util::metrics::count(s.auth.refusals, refusal::socket_user_muted);
    return error_ack(user_muted_code, user_muted_message);
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
            util::metrics::count(s.auth.refusals, refusal::socket_rate_limited);
            co_return error_ack(rate_limited_code, rate_limited_error().message);
        }
    }
    auto sent = co_await send_and_deliver(*s.chat, s.hub, me, ref, payload);
    if (!sent)
        co_return problem_ack(sent.failure(), s);
    json::object out;
    out["ok"] = true;
    out["state"] = chat_state(ref);
    out["entry"] = std::move(*sent);
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
        s.hub->typing(me, *chat);
    json::object out;
    out["ok"] = true;
    co_return out;
}

std::optional<std::string> topic_room(const json::object& payload, json::object& error) {
    const auto* v = payload.if_contains("id");
    std::optional<chat::id> id = v ? chat::id::from_json(*v) : std::nullopt;
    if (!id) {
        error = error_ack("MESSAGES_INVALID_ID", "Invalid topic id \"" + js_string(v) + "\"");
        return std::nullopt;
    }
    return "topic-" + id->text;
}

// Topic rooms the socket is in (joined here or moved there by the platform's control channel).
std::size_t topic_count(const socket& sock) {
    std::size_t n = 0;
    for (const auto& r : sock.rooms())
        n += r.starts_with("topic-") ? 1 : 0;
    return n;
}

net::awaitable<json::object> join_topic(const realtime_services& s, socket& sock, socket_state&,
                                        json::object payload) {
    json::object err;
    auto room = topic_room(payload, err);
    if (!room)
        co_return err;
    const std::size_t max = s.limits ? s.limits->settings().max_topics_per_socket : 0;
    if (max != 0 && !sock.in(*room) && topic_count(sock) >= max) {
        util::metrics::count(s.auth.refusals, refusal::socket_too_many_topics);
        co_return error_ack("TOO_MANY_TOPICS",
                            "A socket may join at most " + std::to_string(max) + " topics");
    }
    sock.join(*room);
    json::object out;
    out["ok"] = true;
    out["room"] = *room;
    co_return out;
}

net::awaitable<json::object> leave_topic(const realtime_services&, socket& sock, socket_state&,
                                         json::object payload) {
    json::object err;
    auto room = topic_room(payload, err);
    if (!room)
        co_return err;
    sock.leave(*room);
    json::object out;
    out["ok"] = true;
    out["room"] = *room;
    co_return out;
}

// A fresh token for the same user replaces the one in force (and its expiry).
net::awaitable<json::object> refresh_token(const realtime_services& s, socket& sock,
                                           socket_state& st, json::object payload) {
    std::string token = nonempty(payload.if_contains("token"));
    admission a = verify_token(s, token);
    if (!a.ok)
        co_return error_ack(a.code, a.message);
    if (!(chat::id{a.who->user_id, a.who->numeric} == *st.user))
        co_return error_ack("INVALID_TOKEN_ERR", "The token is for another user");
    st.expires_at = a.who->expires_at;
    st.issued_at = a.who->issued_at;
    if (auto* p = std::any_cast<state_ptr>(&sock.data))
        arm_expiry(sock, *p, s);
    json::object out;
    out["ok"] = true;
    co_return out;
}

} // namespace

std::size_t enforce_moderation(realtime::local_users& users, const realtime::moderation_action& a) {
    using kind = realtime::moderation_action::kind;
    std::size_t n = 0;
    for (auto& sock : users.sockets(a.user)) {
        auto st = state_of(*sock);
        json::object o;
        if (a.type == kind::kick) {
            o["code"] = "KICKED";
            o["message"] = "You were disconnected by a moderator";
        } else if (a.type == kind::ban) {
            o["code"] = user_banned_code;
            o["message"] = user_banned_message;
        } else if (a.type == kind::revoke) {
            if (st->issued_at && *st->issued_at >= a.before)
                continue; // a token issued since then (refresh-token) stays good
            o["code"] = token_revoked_code;
            o["message"] = token_revoked_message;
        } else {
            continue;
        }
        if (!a.reason.empty())
            o["reason"] = a.reason;
        json::array args;
        args.push_back(std::move(o));
        sock->emit("kicked", std::move(args));
        sock->disconnect();
        ++n;
    }
    return n;
}

void attach_realtime(socketio::namespace_& ns, const realtime_services& s) {
    ns.use([&s](socket& sock) -> net::awaitable<socketio::connect_verdict> {
        auto st = state_of(sock);
        std::string token = find_socket_token(sock, s.auth.header);
        if (token.empty())
            co_return socketio::accept(); // the legacy flow follows
        admission a = co_await admit(s, std::move(token));
        if (!a.ok) {
            json::object data;
            data["code"] = a.code;
            co_return socketio::refuse(a.message, std::move(data));
        }
        st->user = chat::id{a.who->user_id, a.who->numeric};
        if (!take_socket_slot(*st, s)) {
            st->user.reset();
            json::object data;
            data["code"] = "TOO_MANY_SOCKETS";
            co_return socketio::refuse(too_many_sockets_message, std::move(data));
        }
        st->expires_at = a.who->expires_at;
        st->issued_at = a.who->issued_at;
        co_return socketio::accept();
    });
    // Handlers are declared once here, for every socket of the namespace.
    handle(ns, s, "send-message", &send_message);
    handle(ns, s, "typing", &typing);
    handle(ns, s, "join-topic", &join_topic);
    handle(ns, s, "leave-topic", &leave_topic);
    handle(ns, s, "refresh-token", &refresh_token);
    ns.on("authenticate", [&s](socket& sock, socketio::event& ev, socketio::ack_fn ack) {
        authenticate(sock, ev, std::move(ack), s);
    });
    // Events nobody handles still spend the socket's event budget; one that asks for an ack
    // gets an error instead of waiting forever.
    ns.on_any([&s](socket& sock, socketio::event& ev, socketio::ack_fn ack) {
        auto st = state_of(sock);
        if (!admit_event(sock, *st, s, ack))
            return;
        if (ack.wanted())
            ack(ack_args(error_ack("UNKNOWN_EVENT", "Unknown event \"" + ev.name + "\"")));
    });
    ns.on_disconnect([&s](socket& sock, std::string_view) {
        auto st = state_of(sock);
        st->deadline.cancel();
        st->slot.reset();
        if (!st->counted || !st->user)
            return;
        st->counted = false;
        if (s.users)
            s.users->remove(st->user->text, &sock);
        if (s.presence)
            net::spawn(sock.nsp().owner().executor(), s.presence->left(*st->user), "presence_left");
    });
    // The token is read from the CONNECT payload or the request by the hook above; neither is
    // needed after that.
    ns.keep_auth(false);
    ns.keep_handshake(false);
    ns.on_connection([&s](socket& sock) {
        auto st = state_of(sock);
        if (st->user)
            on_authenticated(sock, st, s);
        else
            await_legacy_authentication(sock, st, s);
    });
}

} // namespace senna::api

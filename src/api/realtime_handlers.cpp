#include "api/realtime_handlers.hpp"

#include "api/realtime_edge.hpp"
#include "realtime/local_users.hpp"
#include "realtime/moderation_state.hpp"

namespace senna::api {

using socketio::socket;

namespace {
// CONNECT_ERROR {message, data: {code}}.
socketio::connect_verdict refuse(client_error e) {
    const auto& i = info(e);
    boost::json::object data;
    data["code"] = i.code;
    return socketio::refuse(std::string(i.message), std::move(data));
}
} // namespace

std::size_t enforce_moderation(realtime::local_users& users, const realtime::moderation_action& a) {
    using kind = realtime::moderation_action::kind;
    std::size_t n = 0;
    for (auto& sock : users.sockets(a.user)) {
        auto st = edge::state_of(*sock);
        client_error why = client_error::kicked;
        if (a.type == kind::ban) {
            why = client_error::user_banned;
        } else if (a.type == kind::revoke) {
            if (st->issued_at && *st->issued_at >= a.before)
                continue; // a token issued since then (refresh-token) stays good
            why = client_error::token_revoked;
        } else if (a.type != kind::kick) {
            continue;
        }
        boost::json::object o;
        o["code"] = code_of(why);
        o["message"] = info(why).message;
        if (!a.reason.empty())
            o["reason"] = a.reason;
        sock->emit("kicked", edge::ack_args(std::move(o)));
        sock->disconnect();
        ++n;
    }
    return n;
}

boost::json::object describe_socket(const socketio::socket& s) {
    boost::json::object o;
    if (const auto* st = std::any_cast<edge::state_ptr>(&s.data); st && *st && (*st)->user)
        o["user_id"] = (*st)->user->to_json();
    return o;
}

void attach_realtime(socketio::namespace_& ns, const realtime_services& s) {
    using namespace edge;
    ns.use([&s](socket& sock) -> net::awaitable<socketio::connect_verdict> {
        auto st = state_of(sock);
        std::string token = find_socket_token(sock, s.auth.header);
        if (token.empty())
            co_return socketio::accept(); // the legacy flow follows
        admission a = co_await admit(s, std::move(token));
        if (!a.ok)
            co_return refuse(a.error);
        st->user = chat::id{a.who->user_id, a.who->numeric};
        if (!take_socket_slot(*st, s)) {
            st->user.reset();
            co_return refuse(client_error::too_many_sockets);
        }
        st->expires_at = a.who->expires_at;
        st->issued_at = a.who->issued_at;
        co_return socketio::accept();
    });
    // Handlers are declared once here, for every socket of the namespace.
    add_client_events(ns, s);
    ns.on("authenticate", [&s](socket& sock, socketio::event& ev, const socketio::ack_fn& ack) {
        authenticate(sock, ev, ack, s);
    });
    ns.on_disconnect([&s](socket& sock, std::string_view) { on_left(sock, s); });
    // Connection state recovery (socketio/recovery.hpp): the session keeps who the socket is;
    // a restore takes it back from there instead of running the hook above (as socket.io
    // skips its middlewares), within the same limits.
    ns.session_data([](const socket& sock) { return session_data(sock); });
    ns.on_restore([&s](socket& sock, const boost::json::value& data) {
        return restore_session(sock, data, s);
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

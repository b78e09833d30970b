#include "api/realtime_handlers.hpp"

#include "api/realtime_edge.hpp"

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
        co_return socketio::accept();
    });
    // Handlers are declared once here, for every socket of the namespace.
    add_client_events(ns, s);
    ns.on("authenticate", [&s](socket& sock, socketio::event& ev, socketio::ack_fn ack) {
        authenticate(sock, ev, std::move(ack), s);
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

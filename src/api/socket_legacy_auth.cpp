// The seed's socketio-jwt flow, for socket.io-client 1.x/2.x apps: a socket that connected
// without a token must emit `authenticate` {token} within SOCK_AUTH_TIMEOUT_MS; it is answered
// with `authenticated` or `unauthorized` (the seed's codes), else cut at the timeout.
#include "api/realtime_edge.hpp"
#include "net/spawn.hpp"

#include <memory>

namespace senna::api::edge {

using socketio::socket;

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
                    a.error = client_error::too_many_sockets;
                }
            }
            if (a.ok) {
                state->expires_at = a.who->expires_at;
                state->issued_at = a.who->issued_at;
                so->emit("authenticated");
                on_authenticated(*so, state, svc);
                co_return;
            }
            // The seed's codes (client_error.hpp's legacy column): invalid_token, api_error
            // (session check failed), user_error; too_many_sockets for senna's socket limit.
            const auto& e = info(a.error);
            boost::json::object detail;
            detail["message"] = e.message;
            detail["code"] = e.legacy;
            detail["type"] = "UnauthorizedError";
            boost::json::object body = detail;
            body["data"] = detail;
            boost::json::array args;
            args.push_back(std::move(body));
            so->emit("unauthorized", std::move(args));
            // Leave the namespace but let the client close the connection: closing it here
            // can drop the queued packets when the client is mid-upgrade to WebSocket.
            so->disconnect();
        }(weak, st, s, std::move(token)),
        "socket_authenticate");
}

} // namespace senna::api::edge

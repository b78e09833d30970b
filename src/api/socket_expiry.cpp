// The token's expiry: a socket is disconnected (after `token-expired`) when the token in force
// expires, unless `refresh-token` brought a fresh one first.
#include "api/realtime_edge.hpp"

#include <algorithm>
#include <chrono>

namespace senna::api::edge {

// Disconnects the socket when the token in force expires (as verification would refuse it:
// exp plus the leeway), unless a refresh re-armed the deadline first.
void arm_expiry(socketio::socket& sock, const state_ptr& st, const realtime_services& s) {
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
            const auto& e = info(client_error::token_expired);
            boost::json::object o;
            o["code"] = e.code;
            o["name"] = e.name;
            o["message"] = e.message;
            boost::json::array args;
            args.push_back(std::move(o));
            sp->emit("token-expired", std::move(args));
            sp->disconnect();
        },
        st.get());
}

} // namespace senna::api::edge

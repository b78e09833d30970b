// What connection state recovery keeps of a socket (socketio/recovery.hpp), and a restored
// socket taking it back. A Node server on the streams adapter that shares sessions with senna
// keeps the same shape in socket.data (docs/recovery.md).
#include "api/realtime_edge.hpp"

#include <any>

namespace senna::api::edge {

boost::json::value session_data(const socketio::socket& sock) {
    const auto* p = std::any_cast<state_ptr>(&sock.data);
    if (!p || !*p || !(*p)->user)
        return nullptr;
    boost::json::object o;
    o["user_id"] = (*p)->user->to_json();
    if ((*p)->expires_at)
        o["exp"] = *(*p)->expires_at;
    return o;
}

bool restore_session(socketio::socket& sock, const boost::json::value& data,
                     const realtime_services& s) {
    const auto* o = data.if_object();
    const auto* uid = o ? o->if_contains("user_id") : nullptr;
    auto user = uid ? chat::id::from_json(*uid) : std::nullopt;
    if (!user)
        return false; // not authenticated then: the legacy flow starts afresh
    std::optional<std::int64_t> exp;
    if (const auto* e = o->if_contains("exp"); e && !e->is_null()) {
        if (!e->is_int64() && !e->is_uint64())
            return false;
        exp = e->is_int64() ? e->get_int64() : static_cast<std::int64_t>(e->get_uint64());
        if (*exp + s.auth.leeway_seconds <= now_unix())
            return false; // its token expired meanwhile: the client must bring a fresh one
    }
    auto st = state_of(sock);
    st->user = *user;
    if (!take_socket_slot(*st, s)) {
        st->user.reset();
        return false;
    }
    st->expires_at = exp;
    return true;
}

} // namespace senna::api::edge

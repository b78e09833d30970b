// What connection state recovery keeps of a socket (socketio/recovery.hpp), and a restored
// socket taking it back. A Node server on the streams adapter that shares sessions with senna
// keeps the same shape in socket.data (docs/recovery.md).
#include "api/realtime_edge.hpp"
#include "realtime/moderation_state.hpp"

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
    if ((*p)->issued_at)
        o["iat"] = *(*p)->issued_at; // against a revocation made while it was away
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
    std::optional<std::int64_t> iat;
    if (const auto* i = o->if_contains("iat"); i && i->is_int64())
        iat = i->get_int64();
    // A moderator's ban or revocation made meanwhile (issue 17): no restore; the fresh connect
    // that follows is refused by the connect hook with its own error.
    if (s.auth.moderation) {
        const auto& m = s.auth.moderation->state();
        if (m.banned(user->text, realtime::unix_now()) || m.revoked(user->text, iat))
            return false;
    }
    auto st = state_of(sock);
    st->user = *user;
    if (!take_socket_slot(*st, s)) {
        st->user.reset();
        return false;
    }
    st->expires_at = exp;
    st->issued_at = iat;
    return true;
}

} // namespace senna::api::edge

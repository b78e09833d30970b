// An authenticated socket is counted: it joins its user's room, the shard's local users (for
// the control channel's join-room / leave-room) and presence; and uncounted when it leaves.
#include "api/realtime_edge.hpp"
#include "net/spawn.hpp"
#include "realtime/local_users.hpp"
#include "realtime/presence.hpp"

namespace senna::api::edge {

void on_authenticated(socketio::socket& sock, const state_ptr& st, const realtime_services& s) {
    const chat::id me = *st->user;
    sock.join("user-" + me.text);
    st->counted = true;
    if (s.users)
        s.users->add(me.text, sock.shared_from_this());
    if (s.presence)
        net::spawn(sock.nsp().owner().executor(), s.presence->arrived(me), "presence_arrived");
    arm_expiry(sock, st, s);
}

void on_left(socketio::socket& sock, const realtime_services& s) {
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
}

} // namespace senna::api::edge

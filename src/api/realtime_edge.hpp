#pragma once
// The realtime edge's per-socket state and the helpers its files share (internal to api). The
// edge is split by concern:
//   realtime_handlers.cpp   wiring: the connect hook, the handlers, disconnect
//   socket_state.cpp        the per-socket state below and shared helpers
//   socket_token.cpp        where a socket's token is found
//   socket_admission.cpp    token verification and the platform's session check
//   socket_limits.cpp       sockets per user, the per-socket event rate
//   socket_expiry.cpp       the token's expiry timer
//   socket_legacy_auth.cpp  the seed's `authenticate` flow
//   socket_presence.cpp     an authenticated socket counted (room, local users, presence)
//   socket_session.cpp      what connection state recovery keeps of a socket, and its restore
//   socket_events.cpp       the client events and their acks
//
// Threading: everything runs on the socket's shard.

#include "api/abuse_limits.hpp"
#include "api/client_error.hpp"
#include "api/realtime_handlers.hpp"
#include "auth/jwt.hpp"
#include "chat/id.hpp"
#include "net/timer_wheel.hpp"
#include "net/types.hpp"
#include "socketio/server.hpp"
#include "util/rate_limit.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace senna::api::edge {

// What the layer keeps per socket (socket::data). Its deadline is an entry of the shard's
// timer wheel, cancelled at disconnect (and with the state at the latest).
struct socket_state {
    std::optional<chat::id> user;
    std::optional<std::int64_t> expires_at; // exp of the token in force
    std::optional<std::int64_t> issued_at;  // its iat, against a moderator's revocation
    bool authenticating = false;
    bool counted = false;              // presence and local_users know this socket
    socketio::socket* owner = nullptr; // the socket whose data this is (valid while it holds it)
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

/** The socket's state, made on first use. */
state_ptr state_of(socketio::socket& s);

/** The timer wheel of the socket's shard. */
net::timer_wheel& wheel_of(socketio::socket& s);

/** Seconds since the epoch, as token expiries count them. */
std::int64_t now_unix();

/** The trimmed string `v` holds; empty when it is none. */
std::string nonempty(const boost::json::value* v);

/** One ack argument. */
boost::json::array ack_args(boost::json::object o);

// --- socket_token.cpp

/** The socket's token: auth.token, then ?token=, then the token header (`header`, or
    Authorization: Bearer); empty when none. */
std::string find_socket_token(const socketio::socket& s, const std::string& header);

// --- socket_admission.cpp

/** A verified token and the platform's word on it. */
struct admission {
    bool ok = false;
    client_error error = client_error::invalid_token; // when not ok
    std::optional<auth::identity> who;
};

/** The token's signature and claims only (no platform call). */
admission verify_token(const realtime_services& s, std::string_view token);

/** verify_token, then the platform's session check (SOCK_API_URL); an admitted user's claims
    are remembered in the directory. */
net::awaitable<admission> admit(const realtime_services& s, std::string token);

// --- socket_limits.cpp

/** Takes one of the user's socket slots on this instance; false when they hold the maximum. */
bool take_socket_slot(socket_state& st, const realtime_services& s);

/** The per-socket event rate: true when the event may run (otherwise it was answered or the
    socket cut). */
bool admit_event(socketio::socket& sock, socket_state& st, const realtime_services& s,
                 const socketio::ack_fn& ack);

// --- socket_expiry.cpp

/** (Re-)arms the disconnect at the expiry of the token in force (st->expires_at). */
void arm_expiry(socketio::socket& sock, const state_ptr& st, const realtime_services& s);

// --- socket_presence.cpp

/** An authenticated socket: its user's room, local users, presence, the expiry timer. */
void on_authenticated(socketio::socket& sock, const state_ptr& st, const realtime_services& s);

/** The socket left: its deadline and slot released, uncounted when it was counted. */
void on_left(socketio::socket& sock, const realtime_services& s);

// --- socket_session.cpp

/** What a socket's recovery session keeps of it: {"user_id": id, "exp": seconds} (exp only
    when the token has one); null before it is authenticated. */
boost::json::value session_data(const socketio::socket& sock);

/** A restored socket takes its identity back from `data` (session_data's): false when there is
    none, the token it came with has expired, or the user holds the most sockets already. */
bool restore_session(socketio::socket& sock, const boost::json::value& data,
                     const realtime_services& s);

// --- socket_legacy_auth.cpp

/** The seed's socketio-jwt flow: no token at connect, `authenticate` {token} within the
    timeout, else the socket is cut. */
void await_legacy_authentication(socketio::socket& sock, const state_ptr& st,
                                 const realtime_services& s);

/** The `authenticate` event of the legacy flow. */
void authenticate(socketio::socket& sock, socketio::event& ev, const socketio::ack_fn& ack,
                  const realtime_services& s);

// --- socket_events.cpp

/** Declares the client events (send-message, read, typing, join-topic, leave-topic,
    refresh-token) and the answer to unknown ones on `ns`. */
void add_client_events(socketio::namespace_& ns, const realtime_services& s);

} // namespace senna::api::edge

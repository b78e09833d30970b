#pragma once
// The Socket.IO edge of SPEC §5 on namespace "/": connect-time authentication (auth.token, the
// `token` query parameter, the SOCK_JWT_HEADER header or Authorization: Bearer), the platform's
// session check, the seed's legacy `authenticate` flow, token expiry and `refresh-token`,
// presence, and the client events `send-message`, `typing`, `join-topic`, `leave-topic` with
// their acks, and the abuse limits of abuse_limits.hpp at this edge. Mirrors the Node reference
// peer (bench/peer-node/src/realtime.js) event for event. The parts are listed in
// realtime_edge.hpp, one file each.
//
// Threading: one per shard; everything runs on that shard's thread.

#include "api/authenticate.hpp"
#include "socketio/server.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>

namespace senna::chat {
class service;
}
namespace senna::platform {
class client;
}
namespace senna::realtime {
class hub;
class presence;
class local_users;
struct moderation_action;
} // namespace senna::realtime

namespace senna::api {

class abuse_limits;
class directory;
struct webhook_notices;

struct realtime_services {
    auth_settings auth;
    platform::client* platform = nullptr; // with SOCK_API_URL only: the session check
    bool session_fail_open = false;       // SOCK_API_SESSION_FAIL_OPEN
    chat::service* chat = nullptr;
    directory* people = nullptr;
    realtime::hub* hub = nullptr;
    realtime::presence* presence = nullptr;
    realtime::local_users* users = nullptr;
    std::size_t max_text_length = 10000;
    std::chrono::milliseconds auth_timeout{15000}; // legacy flow: `authenticate` by then
    /** The instance's abuse limits: sockets per user, message writes, per-socket events and
        topics (null: none). */
    abuse_limits* limits = nullptr;
    /** The webhook events of writes (null: webhooks off). */
    const webhook_notices* notices = nullptr;
    /** Users one socket may watch (watch-presence, SOCK_PRESENCE_WATCH_LIMIT). */
    std::size_t presence_watch_limit = 100;
};

/** Installs the connect hook and the connection handler on `ns`; `s` must outlive it. */
void attach_realtime(socketio::namespace_& ns, const realtime_services& s);

/** On the shard's thread: the sockets of `a.user` on this shard that a moderation action
    concerns (kick, ban: all; revoke: those whose token was issued before `a.before`) get the
    event `kicked` {code: KICKED | USER_BANNED | TOKEN_REVOKED, message, reason?} and are
    disconnected from the namespace. Returns how many. */
std::size_t enforce_moderation(realtime::local_users& users, const realtime::moderation_action& a);

/** What the Admin UI shows as the `data` of a socket of "/": {"user_id": id} once it is
    authenticated, {} otherwise (and for sockets of other namespaces). */
boost::json::object describe_socket(const socketio::socket& s);

} // namespace senna::api

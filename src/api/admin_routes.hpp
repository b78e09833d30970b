#pragma once
// The admin REST API of moderation (issue 17; docs/SECURITY.md "Admin surfaces"):
//
//   GET  /admin/users/{id}                the user's moderation state on this instance
//   POST /admin/users/{id}/kick           {"reason"?}           disconnect every socket of theirs
//   POST /admin/users/{id}/ban            {"until"?, "reason"?} refuse REST and sockets (and kick)
//   POST /admin/users/{id}/unban
//   POST /admin/users/{id}/revoke         {"before"?}           tokens with an earlier iat (now)
//   POST /admin/users/{id}/mute           {"topic", "until"?}   refuse sends in the topic
//   POST /admin/users/{id}/unmute         {"topic"}
//
// Each POST is stored (but kick) and published on the control channel in one Redis script, so
// every instance applies it within a second (realtime/moderation.hpp); it answers 200
// {"ok": true, "action": <the control-channel message>}. Times are epoch seconds.
//
// Who may call it: a bearer token (Authorization: Bearer, or the SOCK_JWT_HEADER header) that
// is either an HS256 JWT signed with SOCK_ADMIN_SECRET, with `exp` (its `user_id` names the
// operator in the log), or a platform token (the user tokens' key) carrying the claim
// SOCK_ADMIN_CLAIM; never a user token by itself. Neither configured: 403 ADMIN_DISABLED.

#include "api/authenticate.hpp"
#include "http/router.hpp"
#include "net/types.hpp"

#include <functional>
#include <optional>
#include <string>

namespace senna::realtime {
struct moderation_action;
}

namespace senna::api {

struct admin_auth {
    /** SOCK_ADMIN_SECRET's verifier (HS256); null: none. */
    const auth::verifier* secret = nullptr;
    /** SOCK_ADMIN_CLAIM, split: a dotted path and the value it must hold; empty: none. */
    std::string claim_path;
    std::string claim_value;
};

/** Splits SOCK_ADMIN_CLAIM ("role.handle=admin"). */
admin_auth admin_claim(std::string_view setting);

/** True when `claims` holds `path` (dotted) equal to `value` (a string, or the text of a number
    or boolean). */
bool has_claim(const boost::json::object& claims, std::string_view path, std::string_view value);

struct admin_services {
    admin_auth auth;
    /** The user tokens' settings (the claim route verifies with them). */
    const auth_settings* users = nullptr;
    /** Stores and publishes an action (moderation::submit through the shard's connection); null
        in the label probe. */
    std::function<net::awaitable<net::error_code>(const realtime::moderation_action&)> submit;
};

/** Adds the /admin/users routes; `s` must outlive the router. */
void add_admin_routes(http::router& r, const admin_services& s);

} // namespace senna::api

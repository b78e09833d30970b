#pragma once
// Every error a client of the API sees, in one table (centrifuge's errors.go is the model): the
// wire code, the REST answer's name and status, the default message, the code the seed's
// legacy `authenticate` flow sends for it, where it is sent, and whether the client should
// retry. REST answers carry it as SPEC §3's {"error":true,"code","name","message","status"};
// socket acks as {"error":{"code","message"}}; a refused connection as CONNECT_ERROR {message,
// data:{code}}; the legacy flow as `unauthorized` {message, code: legacy, type}.
// The HTTP layer's own answers before any route runs (unknown route, method, oversized
// request; http/response.hpp) are not here: they know nothing of the API.
//
// Retry: true when the same request may succeed later unchanged (after a backoff: a limit, the
// store or the platform was unavailable); false when it will not without a change (another
// token, another body).

#include "http/types.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace senna::api {

enum class client_error : std::uint8_t {
    // Tokens and sessions
    invalid_token,          // the token does not verify (bad, expired, not yet valid, ...)
    incorrect_token,        // it verifies but names no valid user
    token_expired,          // the token in force of a connected socket expired (event)
    token_for_another_user, // refresh-token with another user's token
    not_authenticated,      // no token where one is needed
    user_banned,            // the platform's session check or a moderator's ban (issue 17)
    user_deleted,           // ... deleted
    session_rejected,       // ... another reason
    session_check_failed,   // the platform did not answer (SOCK_API_SESSION_FAIL_OPEN off)
    // Abuse limits (docs/limits.md)
    too_many_sockets,
    rate_limited,
    too_many_topics,
    too_many_watched, // watch-presence over SOCK_PRESENCE_WATCH_LIMIT
    unknown_event,
    // Chat requests (SPEC §3)
    invalid_target,
    invalid_id,
    invalid_type,
    missing_content,
    text_too_long,
    nothing_to_update,
    invalid_client_msg_id,
    invalid_cursor,
    invalid_presence_ids, // GET /api/presence, watch-presence: no list, or too long
    bad_request,
    not_found,
    forbidden,
    conflict,
    store_unavailable,
    store_full, // Redis at its maxmemory refuses writes (issue 20)
    internal_error,
    // Moderation (issue 17)
    token_revoked, // a moderator revoked the user's tokens issued before this one's iat
    user_muted,    // a moderator muted the user in this topic
    kicked,        // a moderator disconnected the user's sockets (event `kicked`)
    admin_disabled,
    admin_unauthorized,
    admin_forbidden,
    // The demo
    demo_tokens_disabled,
};

/** Where an error is sent (a bit set). */
namespace via {
inline constexpr std::uint8_t rest = 1;          // an HTTP answer with `status`
inline constexpr std::uint8_t ack = 2;           // a client event's ack
inline constexpr std::uint8_t connect_error = 4; // a refused Socket.IO connection
inline constexpr std::uint8_t legacy = 8;        // `unauthorized` of the legacy flow
inline constexpr std::uint8_t event = 16;        // an event of its own (token-expired, kicked)
} // namespace via

struct client_error_info {
    std::string_view code;    // the wire code
    std::string_view name;    // REST "name" (the seed's error class); "" : the caller's
    http::status status;      // REST status; unknown (0) when never sent over REST
    std::string_view message; // the default message; "" : always built with details
    std::string_view legacy;  // the seed's `unauthorized` code; "" : never sent there
    std::uint8_t where;       // via:: bits
    bool retry;               // see the top of this file
};

/** The table's row for `e`. */
const client_error_info& info(client_error e) noexcept;

/** The wire code of `e`. */
inline std::string_view code_of(client_error e) noexcept {
    return info(e).code;
}

/** SPEC §3's error answer for `e`: its status and name, `message` (default: the table's). */
http::response rest_error(client_error e, unsigned version = 11, std::string_view message = {},
                          std::string_view name = {});

/** The ack payload {"error":{"code","message"}} for `e` (default message: the table's). */
boost::json::object ack_error(client_error e, std::string_view message = {});
/** The same shape for a code and message already looked up (an api_error). */
boost::json::object ack_error(std::string_view code, std::string_view message);

} // namespace senna::api

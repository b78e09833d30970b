#include "api/client_error.hpp"

#include "http/response.hpp"

#include <array>

namespace senna::api {

namespace {

using http::status;
constexpr status none = status::unknown;
constexpr std::uint8_t rest = via::rest, ack = via::ack, connect = via::connect_error,
                       legacy = via::legacy, event = via::event;

// In the order of the enum (checked below).
constexpr std::array<std::pair<client_error, client_error_info>, 37> table{{
    // clang-format off
    {client_error::invalid_token, {"INVALID_TOKEN_ERR", "", status::unauthorized,
        "Your token is invalid - please check it and try again", "invalid_token",
        rest | ack | connect | legacy, false}},
    {client_error::incorrect_token, {"INVALID_TOKEN_ERR", "UnauthenticatedError",
        status::unauthorized, "Incorrect token - please try a different one", "invalid_token",
        rest | ack | connect | legacy, false}},
    {client_error::token_expired, {"INVALID_TOKEN_ERR", "TokenExpiredError", none,
        "Your token has expired - please authenticate again", "", event, false}},
    {client_error::token_for_another_user, {"INVALID_TOKEN_ERR", "", none,
        "The token is for another user", "", ack, false}},
    {client_error::not_authenticated, {"NOT_AUTHENTICATED", "UnauthenticatedError",
        status::unauthorized, "You are not authenticated", "", rest | ack, false}},
    {client_error::user_banned, {"USER_BANNED", "ForbiddenError", status::forbidden,
        "Banned users cannot use this", "user_error", rest | connect | legacy | event, false}},
    {client_error::user_deleted, {"USER_DELETED", "", none, "Deleted users cannot use this",
        "user_error", connect | legacy, false}},
    {client_error::session_rejected, {"SESSION_REJECTED", "", none,
        "The platform rejected this session", "user_error", connect | legacy, false}},
    {client_error::session_check_failed, {"SESSION_CHECK_FAILED", "", none,
        "The platform could not confirm this session - please try again later", "api_error",
        connect | legacy, true}},
    {client_error::too_many_sockets, {"TOO_MANY_SOCKETS", "", none,
        "Too many connections for this user", "too_many_sockets", connect | legacy, true}},
    {client_error::rate_limited, {"RATE_LIMITED", "TooManyRequestsError",
        status::too_many_requests, "Too many messages - please slow down and try again shortly",
        "", rest | ack, true}},
    {client_error::too_many_topics, {"TOO_MANY_TOPICS", "", none, "", "", ack, false}},
    {client_error::too_many_watched, {"TOO_MANY_WATCHED", "", none, "", "", ack, false}},
    {client_error::unknown_event, {"UNKNOWN_EVENT", "", none, "", "", ack, false}},
    {client_error::invalid_target, {"MESSAGES_INVALID_TARGET", "ArgumentError",
        status::bad_request, "", "", rest | ack, false}},
    {client_error::invalid_id, {"MESSAGES_INVALID_ID", "ArgumentError", status::bad_request, "",
        "", rest | ack, false}},
    {client_error::invalid_type, {"MESSAGES_INVALID_TYPE", "ArgumentError", status::bad_request,
        "", "", rest | ack, false}},
    {client_error::missing_content, {"MESSAGES_MISSING_CONTENT", "ArgumentError",
        status::bad_request, "", "", rest | ack, false}},
    {client_error::text_too_long, {"MESSAGES_TEXT_TOO_LONG", "ArgumentError",
        status::bad_request, "", "", rest | ack, false}},
    {client_error::nothing_to_update, {"MESSAGES_NOTHING_TO_UPDATE", "ArgumentError",
        status::bad_request, "No valid data was supplied", "", rest, false}},
    {client_error::invalid_client_msg_id, {"MESSAGES_INVALID_CLIENT_MSG_ID", "ArgumentError",
        status::bad_request, "", "", rest | ack, false}},
    {client_error::invalid_cursor, {"MESSAGES_INVALID_CURSOR", "ArgumentError",
        status::bad_request, "", "", rest, false}},
    {client_error::invalid_presence_ids, {"PRESENCE_INVALID_IDS", "ArgumentError",
        status::bad_request, "", "", rest | ack, false}},
    {client_error::bad_request, {"BAD_REQUEST", "BadRequestError", status::bad_request, "", "",
        rest | ack, false}},
    {client_error::not_found, {"NOT_FOUND", "NotFound", status::not_found, "Message not found",
        "", rest, false}},
    {client_error::forbidden, {"FORBIDDEN", "ForbiddenError", status::forbidden, "", "", rest,
        false}},
    {client_error::conflict, {"CONFLICT", "ConflictError", status::conflict,
        "The message changed while it was being updated - please retry", "", rest, true}},
    {client_error::store_unavailable, {"STORE_UNAVAILABLE", "StoreUnavailableError",
        status::service_unavailable, "The message store is unavailable - please try again", "",
        rest | ack, true}},
    {client_error::store_full, {"STORE_FULL", "InsufficientStorageError",
        status::insufficient_storage, "The message store is full - please try again later", "",
        rest | ack, true}},
    {client_error::internal_error, {"INTERNAL_ERROR", "Error", status::internal_server_error,
        "Something went wrong", "", rest | ack, true}},
    {client_error::token_revoked, {"TOKEN_REVOKED", "TokenRevokedError", status::unauthorized,
        "Your token has been revoked - please authenticate again", "invalid_token",
        rest | connect | legacy | event, false}},
    {client_error::user_muted, {"USER_MUTED", "ForbiddenError", status::forbidden,
        "You are muted in this topic", "", rest | ack, false}},
    {client_error::kicked, {"KICKED", "", none, "You were disconnected by a moderator", "",
        event, true}},
    {client_error::admin_disabled, {"ADMIN_DISABLED", "ForbiddenError", status::forbidden,
        "The admin API is off: set SOCK_ADMIN_SECRET or SOCK_ADMIN_CLAIM", "", rest, false}},
    {client_error::admin_unauthorized, {"ADMIN_UNAUTHORIZED", "UnauthenticatedError",
        status::unauthorized, "An admin token is required", "", rest, false}},
    {client_error::admin_forbidden, {"ADMIN_FORBIDDEN", "ForbiddenError", status::forbidden,
        "This token does not carry the admin claim", "", rest, false}},
    {client_error::demo_tokens_disabled, {"DEMO_TOKENS_DISABLED", "NotFound", status::not_found,
        "This server does not mint demo tokens (production, or an RS*/ES*/EdDSA key); paste a "
        "token made with `senna token`", "", rest, false}},
    // clang-format on
}};

constexpr bool in_enum_order() {
    for (std::size_t i = 0; i < table.size(); ++i)
        if (static_cast<std::size_t>(table[i].first) != i)
            return false;
    return true;
}
static_assert(in_enum_order(), "client_error table rows must follow the enum");
static_assert(table.size() == static_cast<std::size_t>(client_error::demo_tokens_disabled) + 1);

} // namespace

const client_error_info& info(client_error e) noexcept {
    return table[static_cast<std::size_t>(e)].second;
}

http::response rest_error(client_error e, unsigned version, std::string_view message,
                          std::string_view name) {
    const auto& i = info(e);
    return http::error_response(i.status, i.code, name.empty() ? i.name : name,
                                message.empty() ? i.message : message, version);
}

boost::json::object ack_error(std::string_view code, std::string_view message) {
    boost::json::object err;
    err["code"] = code;
    err["message"] = message;
    boost::json::object o;
    o["error"] = std::move(err);
    return o;
}

boost::json::object ack_error(client_error e, std::string_view message) {
    const auto& i = info(e);
    return ack_error(i.code, message.empty() ? i.message : message);
}

} // namespace senna::api

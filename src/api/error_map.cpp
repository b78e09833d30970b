#include "api/error_map.hpp"

#include "http/response.hpp"
#include "util/log.hpp"

namespace senna::api {

using http::status;

namespace {

constexpr const char* unavailable_message = "The message store is unavailable - please try again";

// What a client is told when Redis refuses a command, by what the refusal says (redis's
// server_error, read from the error reply): the one table of them, for REST bodies and socket
// acks alike (both come from to_api_error). None of these is the client's fault or senna's:
// the store is full (507: retrying soon will not help) or briefly unable to serve (503: a
// failover, a restart, a long script; try again). Any other error reply (ERR, WRONGTYPE,
// NOSCRIPT after redis::connection's reload, ...) is a bug or a setup error: 500, logged.
// docs/limits.md ("When Redis is full") explains each row to operators.
struct refusal_row {
    chat::store_refusal kind;
    status code_status;
    const char* code;
    const char* name;
    const char* message;
};

// Redis cannot serve now; a client should try again.
constexpr refusal_row unavailable(chat::store_refusal kind) {
    return {kind, status::service_unavailable, "STORE_UNAVAILABLE", "StoreUnavailableError",
            unavailable_message};
}

constexpr refusal_row refusal_table[] = {
    {chat::store_refusal::oom, status::insufficient_storage, "STORE_FULL",
     "InsufficientStorageError", "The message store is full - please try again later"},
    unavailable(chat::store_refusal::readonly),
    unavailable(chat::store_refusal::loading),
    unavailable(chat::store_refusal::busy),
    unavailable(chat::store_refusal::masterdown),
    unavailable(chat::store_refusal::clusterdown),
    unavailable(chat::store_refusal::tryagain),
    unavailable(chat::store_refusal::misconf),
    unavailable(chat::store_refusal::noreplicas),
};

} // namespace

api_error to_api_error(const chat::problem& p, std::size_t max_text_length) {
    using chat::error;
    const std::string& d = p.detail;
    switch (p.code) {
    case error::invalid_target:
        return {status::bad_request, "MESSAGES_INVALID_TARGET", "ArgumentError",
                "Invalid target \"" + d + "\""};
    case error::invalid_id:
        return {status::bad_request, "MESSAGES_INVALID_ID", "ArgumentError",
                "Invalid id \"" + d + "\""};
    case error::self_message:
        return {status::bad_request, "MESSAGES_INVALID_TARGET", "ArgumentError",
                "You cannot message yourself"};
    case error::bad_body:
        return {status::bad_request, "BAD_REQUEST", "BadRequestError",
                "The request body must be a JSON object"};
    case error::invalid_utf8:
        return {status::bad_request, "BAD_REQUEST", "BadRequestError",
                "The " + d + " is not valid UTF-8"};
    case error::invalid_type:
        return {status::bad_request, "MESSAGES_INVALID_TYPE", "ArgumentError",
                "Invalid type \"" + d + "\""};
    case error::missing_content:
        return {status::bad_request, "MESSAGES_MISSING_CONTENT", "ArgumentError",
                "Missing " + d + " property for " + d + "-message"};
    case error::content_too_long:
        return {status::bad_request, "MESSAGES_TEXT_TOO_LONG", "ArgumentError",
                "The " + d + " is longer than " +
                    std::to_string(d == "image" ? std::size_t(2048) : max_text_length) +
                    " characters"};
    case error::nothing_to_update:
        return {status::bad_request, "MESSAGES_NOTHING_TO_UPDATE", "ArgumentError",
                "No valid data was supplied"};
    case error::not_found:
        return {status::not_found, "NOT_FOUND", "NotFound", "Message not found"};
    case error::forbidden_edit:
        return {status::forbidden, "FORBIDDEN", "ForbiddenError",
                "Only the author can change a message"};
    case error::forbidden_delete:
        return {status::forbidden, "FORBIDDEN", "ForbiddenError",
                "Only the author can delete a message"};
    case error::conflict:
        return {status::conflict, "CONFLICT", "ConflictError",
                "The message changed while it was being updated - please retry"};
    case error::store_unavailable:
        return {status::service_unavailable, "STORE_UNAVAILABLE", "StoreUnavailableError",
                unavailable_message};
    case error::invalid_client_msg_id:
        return {status::bad_request, "MESSAGES_INVALID_CLIENT_MSG_ID", "ArgumentError",
                "Invalid client_msg_id \"" + d +
                    "\" - use 1 to 64 characters of A-Z, a-z, 0-9, _ and -"};
    case error::invalid_cursor:
        return {status::bad_request, "MESSAGES_INVALID_CURSOR", "ArgumentError",
                "Invalid cursor \"" + d + "\""};
    case error::store_failed:
        break;
    }
    const auto refusal = p.refusal();
    for (const auto& row : refusal_table)
        if (row.kind == refusal) {
            log::warn("store_refused", {{"code", code_of(refusal)}, {"error", d}});
            return {row.code_status, row.code, row.name, row.message};
        }
    log::error("store_failed", {{"error", d}});
    return {status::internal_server_error, "INTERNAL_ERROR", "Error", "Something went wrong"};
}

http::response error_response(const api_error& e, unsigned version) {
    return http::error_response(e.status, e.code, e.name, e.message, version);
}

api_error rate_limited_error() {
    return {status::too_many_requests, "RATE_LIMITED", "TooManyRequestsError",
            "Too many messages - please slow down and try again shortly"};
}

http::response rate_limited_response(const util::rate_decision& d, unsigned version) {
    auto res = error_response(rate_limited_error(), version);
    res.set(http::field::retry_after, std::to_string(d.retry_after_seconds()));
    return res;
}

} // namespace senna::api

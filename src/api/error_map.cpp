#include "api/error_map.hpp"

#include "http/response.hpp"
#include "util/log.hpp"

namespace senna::api {

namespace {

api_error make(client_error e, std::string message = {}) {
    const auto& i = info(e);
    return {i.status, std::string(i.code), std::string(i.name),
            message.empty() ? std::string(i.message) : std::move(message)};
}

// What a client is told when Redis refuses a command, by what the refusal says (redis's
// server_error, read from the error reply): the one table of them, for REST bodies and socket
// acks alike (both come from to_api_error). None of these is the client's fault or senna's:
// the store is full (507 STORE_FULL: retrying soon will not help) or briefly unable to serve
// (503 STORE_UNAVAILABLE: a failover, a restart, a long script; try again). Any other error
// reply (ERR, WRONGTYPE, NOSCRIPT after redis::connection's reload, ...) is a bug or a setup
// error: 500, logged. docs/limits.md ("When Redis is full") explains each row to operators.
constexpr std::pair<chat::store_refusal, client_error> refusal_table[] = {
    {chat::store_refusal::oom, client_error::store_full},
    {chat::store_refusal::readonly, client_error::store_unavailable},
    {chat::store_refusal::loading, client_error::store_unavailable},
    {chat::store_refusal::busy, client_error::store_unavailable},
    {chat::store_refusal::masterdown, client_error::store_unavailable},
    {chat::store_refusal::clusterdown, client_error::store_unavailable},
    {chat::store_refusal::tryagain, client_error::store_unavailable},
    {chat::store_refusal::misconf, client_error::store_unavailable},
    {chat::store_refusal::noreplicas, client_error::store_unavailable},
};

} // namespace

api_error api_error_of(client_error e, std::string message) {
    return make(e, std::move(message));
}

api_error to_api_error(const chat::problem& p, std::size_t max_text_length) {
    using chat::error;
    const std::string& d = p.detail;
    switch (p.code) {
    case error::invalid_target:
        return make(client_error::invalid_target, "Invalid target \"" + d + "\"");
    case error::invalid_id:
        return make(client_error::invalid_id, "Invalid id \"" + d + "\"");
    case error::self_message:
        return make(client_error::invalid_target, "You cannot message yourself");
    case error::bad_body:
        return make(client_error::bad_request, "The request body must be a JSON object");
    case error::invalid_utf8:
        return make(client_error::bad_request, "The " + d + " is not valid UTF-8");
    case error::invalid_type:
        return make(client_error::invalid_type, "Invalid type \"" + d + "\"");
    case error::missing_content:
        return make(client_error::missing_content,
                    "Missing " + d + " property for " + d + "-message");
    case error::content_too_long:
        return make(client_error::text_too_long,
                    "The " + d + " is longer than " +
                        std::to_string(d == "image" ? std::size_t(2048) : max_text_length) +
                        " characters");
    case error::nothing_to_update:
        return make(client_error::nothing_to_update);
    case error::not_found:
        return make(client_error::not_found);
    case error::forbidden_edit:
        return make(client_error::forbidden, "Only the author can change a message");
    case error::forbidden_delete:
        return make(client_error::forbidden, "Only the author can delete a message");
    case error::conflict:
        return make(client_error::conflict);
    case error::store_unavailable:
        return make(client_error::store_unavailable);
    case error::invalid_client_msg_id:
        return make(client_error::invalid_client_msg_id,
                    "Invalid client_msg_id \"" + d +
                        "\" - use 1 to 64 characters of A-Z, a-z, 0-9, _ and -");
    case error::invalid_cursor:
        return make(client_error::invalid_cursor, "Invalid cursor \"" + d + "\"");
    case error::store_failed:
        break;
    }
    const auto refusal = p.refusal();
    for (const auto& [kind, answer] : refusal_table)
        if (kind == refusal) {
            log::warn("store_refused", {{"code", redis::code_of(refusal)}, {"error", d}});
            return make(answer);
        }
    log::error("store_failed", {{"error", d}});
    return make(client_error::internal_error);
}

http::response error_response(const api_error& e, unsigned version) {
    return http::error_response(e.status, e.code, e.name, e.message, version);
}

api_error rate_limited_error() {
    return make(client_error::rate_limited);
}

http::response rate_limited_response(const util::rate_decision& d, unsigned version) {
    auto res = error_response(rate_limited_error(), version);
    res.set(http::field::retry_after, std::to_string(d.retry_after_seconds()));
    return res;
}

} // namespace senna::api

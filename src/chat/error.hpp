#pragma once
// What can go wrong in a chat use case. The edges (api/error_map) turn each into an HTTP status
// and body, or a Socket.IO ack error; `detail` carries what the message quotes (a target, an id).

#include "redis/server_error.hpp"

#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>

namespace senna::chat {

enum class error {
    invalid_target = 1, // detail: the target given
    invalid_id,         // detail: the id given
    self_message,
    bad_body,         // the body is not a JSON object
    invalid_utf8,     // detail: the field
    invalid_type,     // detail: the type given, as JavaScript would print it
    missing_content,  // detail: "text" or "image"
    content_too_long, // detail: the field
    nothing_to_update,
    not_found,
    forbidden_edit,
    forbidden_delete,
    conflict,              // concurrent updates kept winning
    store_unavailable,     // Redis down or too slow
    store_failed,          // Redis answered an error; detail: its text (problem::refusal says why)
    invalid_client_msg_id, // detail: the value given
    invalid_cursor,        // detail: the value given
};

/** What a Redis error reply means (OOM: full, READONLY: failing over, ...), as redis names it. */
using store_refusal = redis::server_error;

std::string_view describe(error e);
const boost::system::error_category& error_category();
inline boost::system::error_code make_error_code(error e) {
    return {static_cast<int>(e), error_category()};
}

/** A failed use case: the reason and the value it is about. */
struct problem {
    error code;
    std::string detail;

    /** For store_failed, the kind of Redis error reply in `detail` (full, failing over, a
        bug, ...: the edges answer each differently); `none` for every other problem. */
    store_refusal refusal() const noexcept {
        return code == error::store_failed ? redis::classify(detail) : store_refusal::none;
    }
};

} // namespace senna::chat

template <> struct boost::system::is_error_code_enum<senna::chat::error> : std::true_type {};

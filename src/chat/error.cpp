#include "chat/error.hpp"

#include "util/error.hpp"

namespace senna::chat {

std::string_view describe(error e) {
    switch (e) {
    case error::invalid_target:
        return "invalid target";
    case error::invalid_id:
        return "invalid id";
    case error::self_message:
        return "cannot message oneself";
    case error::bad_body:
        return "body is not a JSON object";
    case error::invalid_utf8:
        return "not valid UTF-8";
    case error::invalid_type:
        return "invalid message type";
    case error::missing_content:
        return "missing content";
    case error::content_too_long:
        return "content too long";
    case error::nothing_to_update:
        return "nothing to update";
    case error::not_found:
        return "message not found";
    case error::forbidden_edit:
        return "only the author can change a message";
    case error::forbidden_delete:
        return "only the author can delete a message";
    case error::conflict:
        return "concurrent updates";
    case error::store_unavailable:
        return "store unavailable";
    case error::store_failed:
        return "store failed";
    case error::invalid_client_msg_id:
        return "invalid client_msg_id";
    case error::invalid_cursor:
        return "invalid cursor";
    }
    return "unknown chat error";
}

const boost::system::error_category& error_category() {
    static const util::enum_error_category<error> category("senna.chat");
    return category;
}

} // namespace senna::chat

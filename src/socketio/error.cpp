#include "socketio/error.hpp"

#include "util/error.hpp"

namespace senna::socketio {

std::string_view describe(error e) noexcept {
    switch (e) {
    case error::empty_packet:
        return "empty Socket.IO packet";
    case error::unknown_packet_type:
        return "unknown Socket.IO packet type";
    case error::bad_attachments:
        return "malformed attachment count";
    case error::too_many_attachments:
        return "too many binary attachments";
    case error::namespace_too_long:
        return "namespace too long";
    case error::bad_ack_id:
        return "invalid ack id";
    case error::invalid_json:
        return "payload is not JSON or nested too deeply";
    case error::invalid_payload:
        return "payload does not fit the packet type";
    case error::reserved_event:
        return "reserved event name";
    case error::bad_placeholder:
        return "invalid binary placeholder";
    case error::packet_too_large:
        return "Socket.IO packet too large";
    case error::unexpected_binary:
        return "binary data when no attachment was expected";
    case error::unexpected_text:
        return "text packet while attachments were expected";
    case error::attachments_too_large:
        return "binary attachments too large";
    }
    return "unknown socketio error";
}

const boost::system::error_category& error_category() noexcept {
    static const util::enum_error_category<error> category("senna.socketio");
    return category;
}

} // namespace senna::socketio

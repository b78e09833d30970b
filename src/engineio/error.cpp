#include "engineio/error.hpp"

#include "util/error.hpp"

namespace senna::engineio {

std::string_view describe(error e) noexcept {
    switch (e) {
    case error::empty_packet:
        return "empty Engine.IO packet";
    case error::unknown_packet_type:
        return "unknown Engine.IO packet type";
    case error::bad_base64:
        return "invalid base64 in a binary Engine.IO packet";
    case error::invalid_utf8:
        return "Engine.IO text is not valid UTF-8";
    case error::too_many_packets:
        return "too many packets in one Engine.IO payload";
    case error::packet_too_large:
        return "Engine.IO packet too large";
    case error::bad_framing:
        return "malformed Engine.IO v3 payload framing";
    case error::truncated:
        return "Engine.IO v3 payload length does not match its content";
    }
    return "unknown engineio error";
}

const boost::system::error_category& error_category() noexcept {
    static const util::enum_error_category<error> category("senna.engineio");
    return category;
}

} // namespace senna::engineio

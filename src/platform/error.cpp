#include "platform/error.hpp"

#include "util/error.hpp"

namespace senna::platform {

std::string_view describe(error e) {
    switch (e) {
    case error::timeout:
        return "platform request timed out";
    case error::resolve_failed:
        return "platform host did not resolve";
    case error::connect_failed:
        return "cannot connect to the platform";
    case error::connection_lost:
        return "platform connection lost";
    case error::too_large:
        return "platform response too large";
    case error::bad_response:
        return "platform response is not valid HTTP";
    case error::bad_request:
        return "platform request header cannot be sent";
    case error::tls_failed:
        return "TLS handshake failed";
    }
    return "unknown platform error";
}

const boost::system::error_category& error_category() {
    static const util::enum_error_category<error> category("senna.platform");
    return category;
}

} // namespace senna::platform

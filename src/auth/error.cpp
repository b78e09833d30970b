#include "auth/error.hpp"

#include "util/error.hpp"

namespace senna::auth {

std::string_view describe(error e) noexcept {
    switch (e) {
    case error::malformed:
        return "malformed token";
    case error::algorithm_mismatch:
        return "token algorithm is not the configured one";
    case error::bad_signature:
        return "invalid token signature";
    case error::expired:
        return "token expired";
    case error::not_before:
        return "token not active yet";
    case error::invalid_user_id:
        return "token has no usable user_id";
    case error::invalid_key:
        return "key does not fit the configured algorithm";
    }
    return "unknown auth error";
}

const boost::system::error_category& error_category() noexcept {
    static const util::enum_error_category<error> category("senna.auth");
    return category;
}

std::string_view error_name(error e) noexcept {
    switch (e) {
    case error::expired:
        return "TokenExpiredError";
    case error::not_before:
        return "NotBeforeError";
    case error::invalid_user_id:
        return "UnauthenticatedError";
    default:
        return "JsonWebTokenError";
    }
}

} // namespace senna::auth

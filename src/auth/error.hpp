#pragma once
// Why a token was refused. Every value is an expected outcome of verifying untrusted input,
// so verification reports it as an error_code and never throws.

#include <boost/system/error_code.hpp>

#include <string_view>
#include <type_traits>

namespace senna::auth {

enum class error {
    /** Not three strict base64url parts, too long, header/payload not JSON objects, or a
        registered claim (exp, nbf) of the wrong type. */
    malformed = 1,
    /** The header's "alg" is missing, "none", or not the pinned algorithm. */
    algorithm_mismatch,
    /** The signature does not verify with the configured key (includes an empty one). */
    bad_signature,
    /** `exp` has passed (leeway included). */
    expired,
    /** `nbf` is still in the future (leeway included). */
    not_before,
    /** The token verifies but carries no usable `user_id` claim (SPEC §2). */
    invalid_user_id,
    /** The configured key cannot serve the pinned algorithm (only from verifier::create). */
    invalid_key,
};

/** A short English description; found by ADL from util::enum_error_category. */
std::string_view describe(error e) noexcept;

/** The Boost.System category "senna.auth". */
const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

/**
 * The error name the npm jsonwebtoken package would give (SPEC §2 puts it in the 401 body):
 * expired -> "TokenExpiredError", not_before -> "NotBeforeError", invalid_user_id ->
 * "UnauthenticatedError", everything else "JsonWebTokenError".
 */
std::string_view error_name(error e) noexcept;

} // namespace senna::auth

template <> struct boost::system::is_error_code_enum<senna::auth::error> : std::true_type {};

#pragma once
// Outcomes of a platform API request that are not HTTP answers. A 4xx or 5xx answer is not an
// error_code: it arrives as an `http_result` with that status.

#include <boost/system/error_code.hpp>

#include <string_view>
#include <type_traits>

namespace senna::platform {

enum class error {
    /** The request deadline passed (waiting for a pool slot, resolving, connecting, writing or
     *  reading). */
    timeout = 1,
    /** The host name did not resolve. */
    resolve_failed,
    /** No TCP connection could be opened (refused, unreachable). */
    connect_failed,
    /** The connection broke before a whole response arrived. */
    connection_lost,
    /** The response head or body exceeds the client's limits. */
    too_large,
    /** The bytes received are not an HTTP/1.1 response. */
    bad_response,
    /** A header name or value the caller gave cannot be sent (CR, LF or NUL in it). */
    bad_request,
    /** https: the TLS handshake failed (the certificate did not verify, no common protocol). */
    tls_failed,
};

std::string_view describe(error e);
const boost::system::error_category& error_category();

inline boost::system::error_code make_error_code(error e) {
    return {static_cast<int>(e), error_category()};
}

} // namespace senna::platform

template <> struct boost::system::is_error_code_enum<senna::platform::error> : std::true_type {};

#pragma once
// Outcomes of Redis client operations that are not replies. A Redis `-ERR ...` reply is not
// an error_code: it arrives as a `reply` whose type is `reply::kind::error`.

#include <boost/system/error_code.hpp>

#include <string_view>
#include <type_traits>

namespace senna::redis {

enum class error {
    /** The connection is not established (yet, or any more); nothing was sent. */
    not_connected = 1,
    /** The connection broke while the command was in flight; it may or may not have run. */
    connection_lost,
    /** No reply within `connection_options::command_timeout`; the connection was reset. */
    timeout,
    /** The server sent bytes that are not RESP2, or a reply larger than the reader's limits. */
    protocol_error,
    /** A bound was hit: too many commands queued (`connection_options::max_pending`). */
    too_large,
    /** `stop()` was called. */
    stopped,
    /** AUTH, SELECT or PING after connect returned an error reply (bad password, bad db). */
    handshake_failed,
};

std::string_view describe(error e);
const boost::system::error_category& error_category();

inline boost::system::error_code make_error_code(error e) {
    return {static_cast<int>(e), error_category()};
}

} // namespace senna::redis

template <> struct boost::system::is_error_code_enum<senna::redis::error> : std::true_type {};

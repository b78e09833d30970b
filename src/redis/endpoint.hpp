#pragma once
// Where a Redis server is and how to log in, parsed from a URL:
//   redis://[user[:password]@]host[:port][/db]      (port 6379, db 0 by default)
//   redis://:password@host                          (password only: AUTH password)
//   unix://[user[:password]@]/path/to/sock[?db=N]   (also redis+unix://)
// Hosts may be bracketed IPv6 literals; user and password may be percent-encoded. The query
// keys `db`, `password` and `username`/`user` are accepted with either scheme.

#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace senna::redis {

struct endpoint {
    enum class transport { tcp, unix_socket };

    transport kind = transport::tcp;
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;
    /** Socket path, for transport::unix_socket. */
    std::string path;
    /** AUTH is sent when the password is not empty; with a username it is `AUTH user pass`. */
    std::string username;
    std::string password;
    /** SELECT is sent when not zero. */
    int db = 0;
};

/** The endpoint of `url`, or a message saying what is wrong with it (never the password). */
boost::system::result<endpoint, std::string> parse_url(std::string_view url);

/** The endpoint as a URL for logs, with the password replaced by `***`. */
std::string describe(const endpoint& ep);

} // namespace senna::redis

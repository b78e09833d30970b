#pragma once
// Where a Redis server is and how to log in, parsed from a URL:
//   redis://[user[:password]@]host[:port][/db]      (port 6379, db 0 by default)
//   redis://:password@host                          (password only: AUTH password)
//   unix://[user[:password]@]/path/to/sock[?db=N]   (also redis+unix://)
//   redis+cluster://[user[:password]@]host:port,host:port[/0]   (a Redis Cluster's seed nodes)
// Hosts may be bracketed IPv6 literals; user and password may be percent-encoded. The query
// keys `db`, `password` and `username`/`user` are accepted with either scheme.

#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace senna::redis {

/** One node of a Redis Cluster. */
struct node_address {
    std::string host;
    std::uint16_t port = 0;

    bool operator==(const node_address&) const = default;
};

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
    /**
     * Not empty: a Redis Cluster reached through these seed nodes (ADR 0013), with the
     * credentials above for every node; `host`/`port` are then the first seed's, `db` is 0.
     */
    std::vector<node_address> seeds;

    bool cluster() const noexcept { return !seeds.empty(); }
    /** This endpoint's credentials and options at another node (kind tcp, no seeds). */
    endpoint at(const node_address& node) const;
};

/** The endpoint of `url`, or a message saying what is wrong with it (never the password). */
boost::system::result<endpoint, std::string> parse_url(std::string_view url);

/** `host:port` (`[v6]:port`), as Redis writes node addresses. */
std::string describe(const node_address& node);

/** The endpoint as a URL for logs, with the password replaced by `***`. */
std::string describe(const endpoint& ep);

} // namespace senna::redis

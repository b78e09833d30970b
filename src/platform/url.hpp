#pragma once
// The platform API's base URL and query-string encoding. Pure, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace senna::platform {

/** `http://host[:port][/prefix/]`, split for the HTTP client. */
struct base_url {
    /** A name or an IP address; an IPv6 address without its brackets. */
    std::string host;
    std::uint16_t port = 80;
    /** The path every request target starts with; begins and ends with '/' ("/" at least). */
    std::string prefix = "/";
    /** The Host header value: host, bracketed if IPv6, with ":port" unless it is 80. */
    std::string host_header;
};

/**
 * Parses an absolute http URL. Refuses (nullopt, with a sentence for the operator in `why`)
 * https and every other scheme, user info, a query or fragment, an empty host and a port
 * outside 1..65535. A prefix without a trailing slash gets one, as the seed appended paths to
 * `SOCK_API_URL` as given and deployments write it both ways.
 */
std::optional<base_url> parse_base_url(std::string_view url, std::string& why);

/** Percent-encodes every byte but the URI unreserved set `A-Za-z0-9-_.~` (RFC 3986). */
std::string percent_encode(std::string_view s);

} // namespace senna::platform

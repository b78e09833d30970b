#pragma once
// The platform API's base URL (and the webhook URL's) and query-string encoding. Pure, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace senna::platform {

/** `http(s)://host[:port][/prefix/]`, split for the HTTP client. */
struct base_url {
    /** A name or an IP address; an IPv6 address without its brackets. */
    std::string host;
    std::uint16_t port = 80;
    /** The path every request target starts with; begins with '/' ("/" at least). For the
     *  platform API it also ends with '/'; a webhook URL's is its whole target (path and query). */
    std::string prefix = "/";
    /** The Host header value: host, bracketed if IPv6, with ":port" unless it is the scheme's. */
    std::string host_header;
    /** https: TLS over the TCP connection. */
    bool tls = false;
};

/** What a URL is for: the rules and the wording of the errors differ. */
enum class url_use {
    /** SOCK_API_URL: http only, no query, a prefix that requests are appended to. */
    platform_api,
    /** SOCK_WEBHOOK_URL: http or https, the exact target (a query allowed), posted to as is. */
    webhook,
};

/**
 * Parses an absolute http URL. Refuses (nullopt, with a sentence for the operator in `why`)
 * https (but for a webhook) and every other scheme, user info, a query (but for a webhook) or
 * fragment, an empty host and a port outside 1..65535. A platform API prefix without a
 * trailing slash gets one, as the seed appended paths to `SOCK_API_URL` as given and
 * deployments write it both ways.
 */
std::optional<base_url> parse_base_url(std::string_view url, std::string& why,
                                       url_use use = url_use::platform_api);

/** Percent-encodes every byte but the URI unreserved set `A-Za-z0-9-_.~` (RFC 3986). */
std::string percent_encode(std::string_view s);

} // namespace senna::platform

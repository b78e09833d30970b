#pragma once
// IP addresses and CIDR blocks as text (SOCK_TRUSTED_PROXIES), and the client address of a
// request that came through trusted proxies (X-Forwarded-For). Pure: no Asio, no I/O.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace senna::util {

/** An IPv4 or IPv6 address; an IPv4-mapped IPv6 address (::ffff:1.2.3.4) is IPv4. */
struct ip_address {
    std::array<std::uint8_t, 16> bytes{}; // IPv4 in the first 4
    bool v6 = false;

    friend bool operator==(const ip_address&, const ip_address&) = default;
    /** Canonical text: "1.2.3.4", "2001:db8::1". */
    std::string to_string() const;
};

std::optional<ip_address> parse_ip(std::string_view text);

/** "10.0.0.0/8", "fd00::/8", or one address ("127.0.0.1": /32, "::1": /128). */
struct cidr {
    ip_address base;
    unsigned prefix = 0;
    bool contains(const ip_address& a) const noexcept;
};

std::optional<cidr> parse_cidr(std::string_view text);

/**
 * The client of a request from `peer` carrying `forwarded_for` (X-Forwarded-For, "" when
 * absent). Without trusted proxies, or from a peer that is not one, the peer itself. Otherwise
 * the header is read right to left, skipping the trusted proxies that appended themselves; the
 * first address that is not one is the client (a forged entry further left is never reached).
 * Returns canonical text; an unparsable entry ends the walk at the last address trusted so far.
 */
std::string client_address(std::string_view peer, std::string_view forwarded_for,
                           const std::vector<cidr>& trusted);

} // namespace senna::util

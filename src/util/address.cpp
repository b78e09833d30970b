#include "util/address.hpp"

#include "util/strings.hpp"

#include <arpa/inet.h>
#include <cstring>

namespace senna::util {

std::optional<ip_address> parse_ip(std::string_view text) {
    text = trim(text);
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
        text = text.substr(1, text.size() - 2);
    if (text.empty() || text.size() >= 64)
        return std::nullopt;
    const std::string z(text);
    ip_address a;
    in_addr v4{};
    if (::inet_pton(AF_INET, z.c_str(), &v4) == 1) {
        std::memcpy(a.bytes.data(), &v4, 4);
        return a;
    }
    in6_addr v6{};
    if (::inet_pton(AF_INET6, z.c_str(), &v6) != 1)
        return std::nullopt;
    static constexpr std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(&v6, mapped, 12) == 0) {
        std::memcpy(a.bytes.data(), reinterpret_cast<const std::uint8_t*>(&v6) + 12, 4);
        return a;
    }
    std::memcpy(a.bytes.data(), &v6, 16);
    a.v6 = true;
    return a;
}

std::string ip_address::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
    return buf;
}

bool cidr::contains(const ip_address& a) const noexcept {
    if (a.v6 != base.v6)
        return false;
    unsigned full = prefix / 8, rest = prefix % 8;
    if (std::memcmp(a.bytes.data(), base.bytes.data(), full) != 0)
        return false;
    if (rest == 0)
        return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (a.bytes[full] & mask) == (base.bytes[full] & mask);
}

std::optional<cidr> parse_cidr(std::string_view text) {
    text = trim(text);
    auto slash = text.find('/');
    auto ip = parse_ip(text.substr(0, slash));
    if (!ip)
        return std::nullopt;
    const unsigned max = ip->v6 ? 128 : 32;
    unsigned prefix = max;
    if (slash != std::string_view::npos) {
        auto n = parse_uint(text.substr(slash + 1));
        if (!n || *n > max)
            return std::nullopt;
        prefix = static_cast<unsigned>(*n);
    }
    return cidr{*ip, prefix};
}

namespace {
bool trusted_one(const ip_address& a, const std::vector<cidr>& trusted) {
    for (const auto& c : trusted)
        if (c.contains(a))
            return true;
    return false;
}
} // namespace

std::string client_address(std::string_view peer, std::string_view forwarded_for,
                           const std::vector<cidr>& trusted) {
    auto p = parse_ip(peer);
    if (!p)
        return std::string(peer);
    if (trusted.empty() || !trusted_one(*p, trusted))
        return p->to_string();
    ip_address client = *p;
    std::string_view rest = forwarded_for;
    while (!rest.empty()) {
        auto comma = rest.rfind(',');
        std::string_view entry = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
        auto a = parse_ip(entry);
        if (!a)
            break;
        client = *a;
        if (!trusted_one(*a, trusted))
            break;
    }
    return client.to_string();
}

} // namespace senna::util

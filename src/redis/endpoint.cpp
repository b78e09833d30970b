#include "redis/endpoint.hpp"

#include "util/strings.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <optional>

namespace senna::redis {

namespace {

using parse_result = boost::system::result<endpoint, std::string>;

std::optional<std::string> percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size())
            return std::nullopt;
        int hi = util::hex_value(s[i + 1]);
        int lo = util::hex_value(s[i + 2]);
        if (hi < 0 || lo < 0)
            return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

template <class Int> bool parse_decimal(std::string_view s, Int& out) {
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// user[:password], each percent-decoded. A bare name is a username, as in redis-py; without a
// password it could not be used for AUTH, so it is rejected instead of being ignored.
std::optional<std::string> parse_userinfo(std::string_view info, endpoint& ep) {
    auto colon = info.find(':');
    if (colon == std::string_view::npos)
        return "user given without a password (write redis://:password@host for a password "
               "alone)";
    auto user = percent_decode(info.substr(0, colon));
    auto pass = percent_decode(info.substr(colon + 1));
    if (!user || !pass)
        return "bad percent-encoding in user or password";
    if (pass->empty())
        return "empty password after ':'";
    ep.username = std::move(*user);
    ep.password = std::move(*pass);
    return std::nullopt;
}

std::optional<std::string> parse_db(std::string_view text, endpoint& ep) {
    if (!parse_decimal(text, ep.db))
        return "database must be a number from 0 to " + std::to_string(INT_MAX) + ", got '" +
               std::string(text) + "'";
    return std::nullopt;
}

std::optional<std::string> parse_query(std::string_view query, endpoint& ep) {
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view item = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (item.empty())
            continue;
        auto eq = item.find('=');
        std::string_view key = item.substr(0, eq);
        std::string_view raw =
            eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
        auto value = percent_decode(raw);
        if (!value)
            return "bad percent-encoding in query parameter '" + std::string(key) + "'";
        if (key == "db") {
            if (auto err = parse_db(*value, ep))
                return err;
        } else if (key == "password") {
            ep.password = std::move(*value);
        } else if (key == "username" || key == "user") {
            ep.username = std::move(*value);
        } else {
            return "unknown query parameter '" + std::string(key) + "'";
        }
    }
    return std::nullopt;
}

// host[:port] or [ipv6][:port]
std::optional<std::string> parse_hostport(std::string_view hp, endpoint& ep) {
    std::string_view host;
    std::string_view port;
    if (!hp.empty() && hp.front() == '[') {
        auto close = hp.find(']');
        if (close == std::string_view::npos)
            return "unterminated '[' in host";
        host = hp.substr(1, close - 1);
        std::string_view rest = hp.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':')
                return "unexpected text after ']' in host";
            port = rest.substr(1);
            if (port.empty())
                return "empty port after ':'";
        }
    } else {
        auto colon = hp.find(':');
        host = hp.substr(0, colon);
        if (colon != std::string_view::npos) {
            port = hp.substr(colon + 1);
            if (port.empty())
                return "empty port after ':'";
        }
    }
    if (host.empty())
        return "missing host";
    ep.host = std::string(host);
    if (!port.empty()) {
        unsigned value = 0;
        if (!parse_decimal(port, value) || value == 0 || value > 65535)
            return "port must be a number from 1 to 65535, got '" + std::string(port) + "'";
        ep.port = static_cast<std::uint16_t>(value);
    }
    return std::nullopt;
}

// host:port,host:port,... (each as parse_hostport; at most max_seeds).
std::optional<std::string> parse_seeds(std::string_view list, endpoint& ep) {
    constexpr std::size_t max_seeds = 64;
    if (list.empty())
        return std::string("missing seed nodes: expected redis+cluster://host:port,host:port");
    for (;;) {
        auto comma = list.find(',');
        std::string_view item = util::trim(list.substr(0, comma));
        endpoint one;
        if (auto err = parse_hostport(item, one))
            return "seed node '" + std::string(item) + "': " + *err;
        if (ep.seeds.size() == max_seeds)
            return "more than " + std::to_string(max_seeds) + " seed nodes";
        ep.seeds.push_back({one.host, one.port});
        if (comma == std::string_view::npos)
            break;
        list = list.substr(comma + 1);
    }
    ep.host = ep.seeds.front().host;
    ep.port = ep.seeds.front().port;
    return std::nullopt;
}

} // namespace

endpoint endpoint::at(const node_address& node) const {
    endpoint out;
    out.kind = transport::tcp;
    out.host = node.host;
    out.port = node.port;
    out.username = username;
    out.password = password;
    return out;
}

std::string describe(const node_address& node) {
    bool v6 = node.host.find(':') != std::string::npos;
    std::string out;
    if (v6)
        out += '[';
    out += node.host;
    if (v6)
        out += ']';
    out += ':';
    out += std::to_string(node.port);
    return out;
}

parse_result parse_url(std::string_view url) {
    auto sep = url.find("://");
    if (sep == std::string_view::npos)
        return std::string("missing scheme: expected redis://host or unix:///path");
    std::string scheme = lower(url.substr(0, sep));
    std::string_view rest = url.substr(sep + 3);

    endpoint ep;
    bool cluster = false;
    if (scheme == "redis") {
        ep.kind = endpoint::transport::tcp;
    } else if (scheme == "redis+cluster") {
        ep.kind = endpoint::transport::tcp;
        cluster = true;
    } else if (scheme == "unix" || scheme == "redis+unix" || scheme == "redis-socket") {
        ep.kind = endpoint::transport::unix_socket;
    } else if (scheme == "rediss") {
        return std::string("TLS (rediss://) is not supported");
    } else {
        return "unsupported scheme '" + scheme +
               "': expected redis://, redis+cluster:// or unix://";
    }

    if (rest.find('#') != std::string_view::npos)
        return std::string("unexpected '#' in URL");
    std::string_view query;
    if (auto q = rest.find('?'); q != std::string_view::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }

    auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path =
        slash == std::string_view::npos ? std::string_view() : rest.substr(slash);

    std::string_view hostport = authority;
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        if (auto err = parse_userinfo(authority.substr(0, at), ep))
            return std::move(*err);
        hostport = authority.substr(at + 1);
    }

    if (cluster) {
        if (auto err = parse_seeds(hostport, ep))
            return std::move(*err);
        if (path.size() > 1) {
            if (auto err = parse_db(path.substr(1), ep))
                return std::move(*err);
        }
    } else if (ep.kind == endpoint::transport::tcp) {
        if (auto err = parse_hostport(hostport, ep))
            return std::move(*err);
        if (path.size() > 1) {
            if (auto err = parse_db(path.substr(1), ep))
                return std::move(*err);
        }
    } else {
        if (!hostport.empty() && hostport != "localhost")
            return "unix socket URL must not name a host, got '" + std::string(hostport) + "'";
        if (path.empty() || path == "/")
            return std::string("missing socket path: expected unix:///path/to/redis.sock");
        auto decoded = percent_decode(path);
        if (!decoded)
            return std::string("bad percent-encoding in socket path");
        ep.host.clear();
        ep.port = 0;
        ep.path = std::move(*decoded);
    }

    if (auto err = parse_query(query, ep))
        return std::move(*err);
    if (!ep.username.empty() && ep.password.empty())
        return std::string("user given without a password");
    if (cluster && ep.db != 0)
        return "a Redis Cluster has only database 0, got " + std::to_string(ep.db);
    return ep;
}

std::string describe(const endpoint& ep) {
    std::string out = ep.cluster()                          ? "redis+cluster://"
                      : ep.kind == endpoint::transport::tcp ? "redis://"
                                                            : "unix://";
    if (!ep.username.empty() || !ep.password.empty()) {
        out += ep.username;
        if (!ep.password.empty())
            out += ":***";
        out += '@';
    }
    if (ep.cluster()) {
        for (std::size_t i = 0; i < ep.seeds.size(); ++i) {
            if (i != 0)
                out += ',';
            out += describe(ep.seeds[i]);
        }
    } else if (ep.kind == endpoint::transport::tcp) {
        out += describe(node_address{ep.host, ep.port});
        out += '/';
        out += std::to_string(ep.db);
    } else {
        out += ep.path;
        if (ep.db != 0) {
            out += "?db=";
            out += std::to_string(ep.db);
        }
    }
    return out;
}

} // namespace senna::redis

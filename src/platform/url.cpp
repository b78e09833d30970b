#include "platform/url.hpp"

#include "util/strings.hpp"

namespace senna::platform {

namespace {

bool is_unreserved(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

bool valid_host_char(char c) {
    return is_unreserved(static_cast<unsigned char>(c)) || c == '%';
}

} // namespace

std::optional<base_url> parse_base_url(std::string_view url, std::string& why, url_use use) {
    const bool webhook = use == url_use::webhook;
    const std::string what = webhook ? "the webhook URL" : "the platform API URL";
    for (char ch : url) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= ' ' || c >= 0x7F) {
            why = what + " must not contain spaces, control or non-ASCII characters";
            return std::nullopt;
        }
    }
    const std::size_t colon = url.find("://");
    if (colon == std::string_view::npos) {
        why = what + " must be absolute, like http://host:port/prefix/";
        return std::nullopt;
    }
    const std::string scheme = util::to_lower(url.substr(0, colon));
    if (scheme == "https" && !webhook) {
        why = "https platform API URLs are not supported: use http:// (for example through a "
              "local TLS-terminating proxy)";
        return std::nullopt;
    }
    if (scheme != "http" && scheme != "https") {
        why =
            what + (webhook ? " must start with http:// or https://" : " must start with http://");
        return std::nullopt;
    }
    std::string_view rest = url.substr(colon + 3);
    const std::size_t path_at = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, path_at);
    std::string_view path = path_at == std::string_view::npos ? "" : rest.substr(path_at);
    if (path.find('#') != std::string_view::npos ||
        (!webhook && path.find('?') != std::string_view::npos)) {
        why =
            what + (webhook ? " must not have a fragment" : " must not have a query or a fragment");
        return std::nullopt;
    }
    if (authority.find('@') != std::string_view::npos) {
        why = what + " must not carry user info";
        return std::nullopt;
    }

    base_url out;
    out.tls = scheme == "https";
    out.port = out.tls ? 443 : 80;
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            why = what + " has an unterminated IPv6 address";
            return std::nullopt;
        }
        out.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                why = what + " has garbage after its IPv6 address";
                return std::nullopt;
            }
            port_text = after.substr(1);
        }
        for (char c : out.host) {
            if (!(valid_host_char(c) || c == ':')) {
                why = what + " has an invalid IPv6 address";
                return std::nullopt;
            }
        }
    } else {
        const std::size_t port_at = authority.find(':');
        out.host = std::string(authority.substr(0, port_at));
        if (port_at != std::string_view::npos)
            port_text = authority.substr(port_at + 1);
        for (char c : out.host) {
            if (!valid_host_char(c)) {
                why = what + " has an invalid host name";
                return std::nullopt;
            }
        }
    }
    if (out.host.empty()) {
        why = what + " has no host";
        return std::nullopt;
    }
    if (!port_text.empty() || authority.ends_with(':')) {
        const auto port = util::parse_uint(port_text);
        if (!port || *port == 0 || *port > 65535) {
            why = what + " has an invalid port";
            return std::nullopt;
        }
        out.port = static_cast<std::uint16_t>(*port);
    }

    out.prefix = path.empty() ? "/" : std::string(path);
    if (out.prefix.front() == '?')
        out.prefix.insert(out.prefix.begin(), '/');
    if (!webhook && out.prefix.back() != '/')
        out.prefix += '/';
    const bool ipv6 = out.host.find(':') != std::string::npos;
    out.host_header = ipv6 ? "[" + out.host + "]" : out.host;
    if (out.port != (out.tls ? 443 : 80))
        out.host_header += ":" + std::to_string(out.port);
    return out;
}

std::string percent_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (is_unreserved(c)) {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0x0F];
        }
    }
    return out;
}

} // namespace senna::platform

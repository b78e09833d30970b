#include "socketio/recovery.hpp"

#include <array>
#include <charconv>
#include <sys/random.h>

namespace senna::socketio {

void offset::append_to(std::string& out) const {
    char buf[48];
    auto r = std::to_chars(buf, buf + 24, ms);
    *r.ptr++ = '-';
    r = std::to_chars(r.ptr, buf + sizeof buf, seq);
    out.append(buf, r.ptr);
}

std::string offset::text() const {
    std::string out;
    append_to(out);
    return out;
}

std::optional<offset> offset::parse(std::string_view s) noexcept {
    const auto dash = s.find('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 == s.size())
        return std::nullopt;
    auto number = [](std::string_view digits, std::uint64_t& out) {
        for (char c : digits)
            if (c < '0' || c > '9')
                return false;
        auto r = std::from_chars(digits.data(), digits.data() + digits.size(), out);
        return r.ec == std::errc() && r.ptr == digits.data() + digits.size();
    };
    offset o;
    if (!number(s.substr(0, dash), o.ms) || !number(s.substr(dash + 1), o.seq))
        return std::nullopt;
    return o;
}

bool recoverable_reason(engineio::disconnect_reason reason) noexcept {
    using engineio::disconnect_reason;
    switch (reason) {
    case disconnect_reason::transport_error:
    case disconnect_reason::transport_close:
    case disconnect_reason::forced_close:
    case disconnect_reason::ping_timeout:
    case disconnect_reason::server_shutting_down:
        return true;
    default:
        return false;
    }
}

// 20 characters of base64url from the kernel's CSPRNG, like the reference's ids.
std::string random_id() {
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::array<unsigned char, 20> rnd{};
    std::size_t got = 0;
    while (got < rnd.size()) {
        auto n = ::getrandom(rnd.data() + got, rnd.size() - got, 0);
        if (n > 0)
            got += static_cast<std::size_t>(n);
    }
    std::string id;
    id.reserve(rnd.size());
    for (unsigned char c : rnd)
        id += alphabet[c % 64];
    return id;
}

} // namespace senna::socketio

#include "engineio/packet.hpp"

#include "engineio/base64.hpp"
#include "engineio/error.hpp"

namespace senna::engineio {

namespace {

constexpr std::uint8_t max_type = static_cast<std::uint8_t>(packet_type::noop);

std::optional<packet_type> type_from_digit(char c) noexcept {
    if (c < '0' || c > static_cast<char>('0' + max_type))
        return std::nullopt;
    return static_cast<packet_type>(c - '0');
}

char type_digit(packet_type t) noexcept {
    return static_cast<char>('0' + static_cast<int>(t));
}

} // namespace

std::string_view name(packet_type t) noexcept {
    switch (t) {
    case packet_type::open:
        return "open";
    case packet_type::close:
        return "close";
    case packet_type::ping:
        return "ping";
    case packet_type::pong:
        return "pong";
    case packet_type::message:
        return "message";
    case packet_type::upgrade:
        return "upgrade";
    case packet_type::noop:
        return "noop";
    }
    return "unknown";
}

std::optional<version> parse_version(std::string_view eio) noexcept {
    if (eio == "4")
        return version::v4;
    if (eio == "3")
        return version::v3;
    return std::nullopt;
}

namespace detail {

void encode_text_packet(const packet& p, std::string& out, version v) {
    if (!p.binary) {
        out += type_digit(p.type);
        out += p.data;
        return;
    }
    out += 'b';
    if (v == version::v3)
        out += type_digit(p.type);
    base64_encode(p.data, out);
}

boost::system::result<packet> decode_text_packet(std::string_view text, version v) {
    if (text.empty())
        return error::empty_packet;
    if (text.front() != 'b') {
        const auto type = type_from_digit(text.front());
        if (!type)
            return error::unknown_packet_type;
        return packet{*type, std::string(text.substr(1)), false};
    }
    // A base64 binary packet. v4 always means a message; v3 names the type after the `b`.
    text.remove_prefix(1);
    packet p{packet_type::message, {}, true};
    if (v == version::v3) {
        const auto type = text.empty() ? std::nullopt : type_from_digit(text.front());
        if (!type)
            return error::unknown_packet_type;
        p.type = *type;
        text.remove_prefix(1);
    }
    if (!base64_decode(text, p.data))
        return error::bad_base64;
    return p;
}

} // namespace detail

frame_kind encode_frame(const packet& p, std::string& out, version v, bool base64) {
    if (!p.binary || base64) {
        detail::encode_text_packet(p, out, v);
        return frame_kind::text;
    }
    if (v == version::v3)
        out += static_cast<char>(p.type);
    out += p.data;
    return frame_kind::binary;
}

boost::system::result<packet> decode_frame(std::string_view bytes, frame_kind kind, version v) {
    if (kind == frame_kind::text)
        return detail::decode_text_packet(bytes, v);
    if (v == version::v4) // the reference accepts an empty binary frame as an empty message
        return packet{packet_type::message, std::string(bytes), true};
    if (bytes.empty())
        return error::empty_packet;
    const auto type = static_cast<std::uint8_t>(bytes.front());
    if (type > max_type)
        return error::unknown_packet_type;
    return packet{static_cast<packet_type>(type), std::string(bytes.substr(1)), true};
}

} // namespace senna::engineio

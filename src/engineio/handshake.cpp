#include "engineio/handshake.hpp"

#include <charconv>

namespace senna::engineio {

namespace {

void append_number(std::uint64_t n, std::string& out) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, r.ptr);
}

} // namespace

void append_json_string(std::string_view s, std::string& out) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (const char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                out += "\\u00";
                out += hex[(c >> 4) & 0xf];
                out += hex[c & 0xf];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

std::string handshake_json(const handshake& h, version v) {
    std::string out;
    out.reserve(128);
    out += "{\"sid\":";
    append_json_string(h.sid, out);
    out += ",\"upgrades\":[";
    for (std::size_t i = 0; i < h.upgrades.size(); ++i) {
        if (i != 0)
            out += ',';
        append_json_string(h.upgrades[i], out);
    }
    out += "],\"pingInterval\":";
    append_number(h.ping_interval_ms, out);
    out += ",\"pingTimeout\":";
    append_number(h.ping_timeout_ms, out);
    if (v == version::v4) {
        out += ",\"maxPayload\":";
        append_number(h.max_payload, out);
    }
    out += '}';
    return out;
}

packet open_packet(const handshake& h, version v) {
    return packet{packet_type::open, handshake_json(h, v), false};
}

} // namespace senna::engineio

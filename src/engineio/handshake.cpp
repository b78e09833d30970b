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
    // Runs of characters that need no escape (nearly all of a chat message) go in one append.
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20)
            continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
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
            out += "\\u00";
            out += hex[(c >> 4) & 0xf];
            out += hex[c & 0xf];
        }
    }
    out.append(s.data() + run, s.size() - run);
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

#include "engineio/handshake.hpp"

#include "util/strings.hpp"

#include <charconv>

namespace senna::engineio {

std::string handshake_json(const handshake& h, version v) {
    std::string out;
    out.reserve(128);
    out += "{\"sid\":";
    util::append_json_string(h.sid, out);
    out += ",\"upgrades\":[";
    for (std::size_t i = 0; i < h.upgrades.size(); ++i) {
        if (i != 0)
            out += ',';
        util::append_json_string(h.upgrades[i], out);
    }
    out += "],\"pingInterval\":";
    util::append_integer(h.ping_interval_ms, out);
    out += ",\"pingTimeout\":";
    util::append_integer(h.ping_timeout_ms, out);
    if (v == version::v4) {
        out += ",\"maxPayload\":";
        util::append_integer(h.max_payload, out);
    }
    out += '}';
    return out;
}

packet open_packet(const handshake& h, version v) {
    return packet{packet_type::open, handshake_json(h, v), false};
}

} // namespace senna::engineio

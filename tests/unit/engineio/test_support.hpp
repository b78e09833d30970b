#pragma once
// Shorthands for the Engine.IO tests.

#include "engineio/packet.hpp"

#include <string>
#include <string_view>

namespace senna::engineio::test {

inline packet text(packet_type type, std::string_view data = {}) {
    return packet{type, std::string(data), false};
}

inline packet binary(std::string_view bytes, packet_type type = packet_type::message) {
    return packet{type, std::string(bytes), true};
}

/** Bytes from a list of byte values (the protocol documents write binary as hex bytes). */
inline std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (const int v : values)
        out += static_cast<char>(v);
    return out;
}

} // namespace senna::engineio::test

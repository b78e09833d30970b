#pragma once
// Shorthands for the Socket.IO tests.

#include "socketio/packet.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace senna::socketio::test {

inline boost::json::value json(std::string_view text) {
    return boost::json::parse(text);
}

inline packet make(packet_type type, std::string nsp = "/", std::string_view data = {},
                   std::optional<std::uint64_t> id = std::nullopt,
                   std::vector<std::string> attachments = {}) {
    packet p;
    p.type = type;
    p.nsp = std::move(nsp);
    p.id = id;
    if (!data.empty())
        p.data = json(data);
    p.attachments = std::move(attachments);
    return p;
}

inline std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (const int v : values)
        out += static_cast<char>(v);
    return out;
}

inline constexpr std::string_view ph0 = R"({"_placeholder":true,"num":0})";
inline constexpr std::string_view ph1 = R"({"_placeholder":true,"num":1})";

} // namespace senna::socketio::test

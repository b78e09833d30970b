#pragma once
// tests/fixtures/msgpack/msgpack.json (written by make-fixtures.mjs with notepack.io,
// @socket.io/redis-emitter and @socket.io/redis-adapter), loaded once.

#include "socketio/json.hpp"
#include "util/strings.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#ifndef SENNA_SOURCE_DIR
#error "SENNA_SOURCE_DIR must name the source tree (senna_add_test defines it)"
#endif

namespace senna::realtime::test {

inline const boost::json::object& fixtures() {
    static const boost::json::object all = [] {
        std::ifstream in(SENNA_SOURCE_DIR "/tests/fixtures/msgpack/msgpack.json");
        if (!in)
            throw std::runtime_error("cannot open tests/fixtures/msgpack/msgpack.json");
        std::stringstream text;
        text << in.rdbuf();
        // socketio::parse_json: Boost 1.81's parse may round a double one ulp off.
        return senna::socketio::parse_json(text.str(), 64).value().as_object();
    }();
    return all;
}

inline std::string unhex(std::string_view hex) {
    std::string out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out += static_cast<char>(util::hex_value(hex[i]) * 16 + util::hex_value(hex[i + 1]));
    return out;
}

inline std::string tohex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const char c : bytes) {
        out += digits[static_cast<unsigned char>(c) >> 4];
        out += digits[static_cast<unsigned char>(c) & 15];
    }
    return out;
}

/** The bytes of values[name] or broadcasts[name]. */
inline std::string fixture_bytes(std::string_view group, std::string_view name) {
    return unhex(fixtures().at(group).as_object().at(name).as_object().at("hex").as_string());
}

inline std::string value_bytes(std::string_view name) {
    return fixture_bytes("values", name);
}

/** False for a value too big to keep whole (make-fixtures.mjs: BIG): only its head, size and
    hash are known. */
inline bool whole(std::string_view name) {
    return fixtures().at("values").as_object().at(name).as_object().contains("hex");
}

inline std::string fnv1a64(std::string_view bytes) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : bytes)
        h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    std::string out;
    for (int i = 60; i >= 0; i -= 4)
        out += "0123456789abcdef"[(h >> i) & 15];
    return out;
}

/** `bytes` are notepack's bytes of values[name]: all of them, or a big value's head, size and
    hash. */
inline ::testing::AssertionResult notepack_bytes(std::string_view name, std::string_view bytes) {
    const auto& o = fixtures().at("values").as_object().at(name).as_object();
    if (o.contains("hex")) {
        if (tohex(bytes) == o.at("hex").as_string())
            return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << tohex(bytes) << " != " << o.at("hex").as_string();
    }
    const std::string_view head = o.at("head").as_string();
    const auto size = static_cast<std::size_t>(o.at("size").to_number<std::int64_t>());
    if (bytes.size() == size && tohex(bytes.substr(0, head.size() / 2)) == head &&
        fnv1a64(bytes) == o.at("fnv1a64").as_string())
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "size " << bytes.size() << " head " << tohex(bytes.substr(0, 16)) << " fnv1a64 "
           << fnv1a64(bytes) << " != size " << size << " head " << head << " fnv1a64 "
           << std::string_view(o.at("fnv1a64").as_string());
}

} // namespace senna::realtime::test

// The open packet: the handshake JSON of engine.io-protocol (v4 f21de7b, v3 05468d1) and of
// socket.io-protocol's sample session (4f633dd), byte for byte.

#include "engineio/handshake.hpp"
#include "engineio/payload.hpp"

#include <gtest/gtest.h>
#include <vector>

using namespace senna::engineio;

TEST(engineio_handshake, v4_readme_example_in_reference_key_order) {
    const handshake h{.sid = "lv_VI97HAXpY6yYWAAAC"};
    EXPECT_EQ(
        handshake_json(h, version::v4),
        R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
}

TEST(engineio_handshake, socketio_sample_session_open_packet) {
    const handshake h{.sid = "lv_VI97HAXpY6yYWAAAC", .ping_timeout_ms = 5000};
    std::string out;
    EXPECT_EQ(encode_frame(open_packet(h, version::v4), out), frame_kind::text);
    EXPECT_EQ(
        out,
        R"(0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000})");
}

TEST(engineio_handshake, v3_has_no_max_payload) {
    const handshake h{.sid = "lv_VI97HAXpY6yYWAAAC", .ping_timeout_ms = 5000};
    const std::vector<packet> packets{open_packet(h, version::v3)};
    std::string out;
    encode_payload(packets, payload_format::v3_text, out);
    EXPECT_EQ(
        out,
        R"(96:0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000})");
}

TEST(engineio_handshake, websocket_sessions_offer_no_upgrade) {
    const handshake h{
        .sid = "abc", .upgrades = {}, .ping_interval_ms = 300, .ping_timeout_ms = 200};
    EXPECT_EQ(
        handshake_json(h, version::v4),
        R"({"sid":"abc","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000})");
    // The v3 README's WebSocket-only sample omits "upgrades"; the reference server sends [].
    EXPECT_EQ(handshake_json(h, version::v3),
              R"({"sid":"abc","upgrades":[],"pingInterval":300,"pingTimeout":200})");
}

TEST(engineio_handshake, strings_are_json_escaped) {
    const handshake h{.sid = "a\"b\\c\n\x01/é", .upgrades = {"websocket", "x"}};
    EXPECT_EQ(handshake_json(h, version::v4),
              "{\"sid\":\"a\\\"b\\\\c\\n\\u0001/é\",\"upgrades\":[\"websocket\",\"x\"],"
              "\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}");
}

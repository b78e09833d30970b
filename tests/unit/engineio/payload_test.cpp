// Polling payloads: every payload example of engine.io-protocol (v4 README f21de7b, v3 branch
// 05468d1) and of socket.io-protocol's sample sessions (v5 4f633dd, v4 branch 8df2120), both
// ways; the v3 UTF-16 length rules; every error.

#include "engineio/error.hpp"
#include "engineio/payload.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <vector>

using namespace senna::engineio;
using senna::engineio::test::binary;
using senna::engineio::test::bytes;
using senna::engineio::test::text;

namespace {

std::string encode(const std::vector<packet>& packets, payload_format format) {
    std::string out;
    encode_payload(packets, format, out);
    return out;
}

void both_ways(std::string_view body, payload_format format, const std::vector<packet>& packets) {
    const auto decoded = decode_payload(body, format);
    ASSERT_TRUE(decoded) << decoded.error().message();
    EXPECT_EQ(*decoded, packets);
    EXPECT_EQ(encode(packets, format), body);
}

void failing(std::string_view body, payload_format format, error e,
             const payload_limits& limits = {}) {
    const auto r = decode_payload(body, format, limits);
    ASSERT_FALSE(r) << "accepted " << body;
    EXPECT_EQ(r.error(), make_error_code(e)) << body;
}

const packet hello = text(packet_type::message, "hello");
const packet euro = text(packet_type::message, "€");

} // namespace

TEST(engineio_payload_v4, readme_examples) {
    both_ways("4hello\x1e"
              "2\x1e"
              "4world",
              payload_format::v4,
              {hello, text(packet_type::ping), text(packet_type::message, "world")});
    both_ways("4hello\x1e"
              "bAQIDBA==",
              payload_format::v4, {hello, binary(bytes({1, 2, 3, 4}))});
}

TEST(engineio_payload_v4, test_suite_and_socketio_sample_bodies) {
    both_ways("4test1\x1e"
              "4test2\x1e"
              "4test3",
              payload_format::v4,
              {text(packet_type::message, "test1"), text(packet_type::message, "test2"),
               text(packet_type::message, "test3")});
    both_ways(
        R"(42["hello"])"
        "\x1e"
        R"(42["world"])",
        payload_format::v4,
        {text(packet_type::message, R"(2["hello"])"), text(packet_type::message, R"(2["world"])")});
    both_ways("40", payload_format::v4, {text(packet_type::message, "0")});
    both_ways(R"(40{"sid":"wZX3oN0bSVIhsaknAAAI"})", payload_format::v4,
              {text(packet_type::message, R"(0{"sid":"wZX3oN0bSVIhsaknAAAI"})")});
    both_ways("2", payload_format::v4, {text(packet_type::ping)});
    both_ways("6", payload_format::v4, {text(packet_type::noop)});
}

TEST(engineio_payload_v4, utf8_is_counted_in_bytes_nowhere) {
    // v4 dropped length prefixes, so "€" (3 bytes, 1 UTF-16 unit) needs no counting.
    both_ways("4€\x1e"
              "4😀",
              payload_format::v4, {euro, text(packet_type::message, "😀")});
}

TEST(engineio_payload_v4, errors) {
    failing("", payload_format::v4, error::empty_packet);
    failing("4a\x1e\x1e"
            "4b",
            payload_format::v4, error::empty_packet);
    failing("4a\x1e", payload_format::v4, error::empty_packet);
    failing("\x1e"
            "4a",
            payload_format::v4, error::empty_packet);
    failing("4a\x1e"
            "9b",
            payload_format::v4, error::unknown_packet_type);
    failing("hello", payload_format::v4, error::unknown_packet_type);
    failing("4a\x1e"
            "b@@@@",
            payload_format::v4, error::bad_base64);
    failing("4\xff", payload_format::v4, error::invalid_utf8);
    failing("4\xed\xa0\x80", payload_format::v4, error::invalid_utf8); // a UTF-8 surrogate
    failing("2\x1e"
            "2\x1e"
            "2",
            payload_format::v4, error::too_many_packets, {.max_packets = 2});
    failing("4abcd", payload_format::v4, error::packet_too_large, {.max_packet_size = 3});
    failing("bAQIDBA==", payload_format::v4, error::packet_too_large, {.max_packet_size = 3});
    // At the limits: accepted.
    EXPECT_TRUE(decode_payload("2\x1e"
                               "2",
                               payload_format::v4, {.max_packets = 2}));
    EXPECT_TRUE(decode_payload("4abc", payload_format::v4, {.max_packet_size = 3}));
}

TEST(engineio_payload_v3, readme_text_examples) {
    both_ways("6:4hello2:4€", payload_format::v3_text, {hello, euro});
    both_ways("2:4€10:b4AQIDBA==", payload_format::v3_text, {euro, binary(bytes({1, 2, 3, 4}))});
    both_ways("4:4hey", payload_format::v3_text, {text(packet_type::message, "hey")});
    both_ways("6:4hello6:4world", payload_format::v3_text,
              {hello, text(packet_type::message, "world")});
    both_ways(
        R"(96:0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000})",
        payload_format::v3_text,
        {text(
            packet_type::open,
            R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000})")});
}

TEST(engineio_payload_v3, socketio_v4_sample_session) {
    both_ways(
        R"(96:0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000}2:40)",
        payload_format::v3_text,
        {text(
             packet_type::open,
             R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000})"),
         text(packet_type::message, "0")});
    both_ways(R"(16:42["hey","Jude"])", payload_format::v3_text,
              {text(packet_type::message, R"(2["hey","Jude"])")});
    both_ways(
        R"(11:42["hello"]11:42["world"])", payload_format::v3_text,
        {text(packet_type::message, R"(2["hello"])"), text(packet_type::message, R"(2["world"])")});
}

TEST(engineio_payload_v3, readme_binary_example) {
    // buffer <00 04 ff 34 e2 82 ac 01 05 ff 04 01 02 03 04>
    both_ways(bytes({0x00, 0x04, 0xff, 0x34, 0xe2, 0x82, 0xac, 0x01, 0x05, 0xff, 0x04, 0x01, 0x02,
                     0x03, 0x04}),
              payload_format::v3_binary, {euro, binary(bytes({1, 2, 3, 4}))});
}

TEST(engineio_payload_v3, binary_lengths_take_one_byte_per_digit) {
    const packet big = binary(std::string(299, 'x')); // 300 bytes with its type byte
    std::string expected = bytes({0x01, 3, 0, 0, 0xff, 0x04});
    expected += std::string(299, 'x');
    both_ways(expected, payload_format::v3_binary, {big});
    // Leading zeros in a length are read as the reference's parseInt reads them.
    const auto r = decode_payload(bytes({0x00, 0, 2, 0xff, '4', 'a'}), payload_format::v3_binary);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, std::vector<packet>{text(packet_type::message, "a")});
    const auto t = decode_payload("06:4hello", payload_format::v3_text);
    ASSERT_TRUE(t);
    EXPECT_EQ(*t, std::vector<packet>{hello});
}

TEST(engineio_payload_v3, base64_and_text_inside_binary_framing) {
    // A string record may itself hold a base64 packet, as the reference decoder allows.
    const std::string body = bytes({0x00, 1, 0, 0xff}) + "b4AQIDBA==";
    const auto r = decode_payload(body, payload_format::v3_binary);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(*r, std::vector<packet>{binary(bytes({1, 2, 3, 4}))});
}

TEST(engineio_payload_v3, lengths_count_utf16_code_units) {
    // U+1F600 is 4 UTF-8 bytes and 2 UTF-16 code units (a surrogate pair): "4😀" has length 3.
    const packet smile = text(packet_type::message, "😀");
    both_ways("3:4😀", payload_format::v3_text, {smile});
    // "é" (2 bytes) and "€" (3 bytes) count 1 each; mixed with pairs and ASCII.
    both_ways("7:4aé€😀b", payload_format::v3_text, {text(packet_type::message, "aé€😀b")});
    both_ways("5:4😀😀1:2", payload_format::v3_text,
              {text(packet_type::message, "😀😀"), text(packet_type::ping)});
    // Binary framing counts bytes instead: 1 + 4.
    both_ways(bytes({0x00, 5, 0xff}) + "4😀", payload_format::v3_binary, {smile});
    EXPECT_EQ(utf16_length(""), 0u);
    EXPECT_EQ(utf16_length("a"), 1u);
    EXPECT_EQ(utf16_length("é"), 1u);
    EXPECT_EQ(utf16_length("€"), 1u);
    EXPECT_EQ(utf16_length("😀"), 2u);
    EXPECT_EQ(utf16_length("a€😀"), 4u);
    EXPECT_EQ(utf16_length("\xf4\x8f\xbf\xbf"), 2u); // U+10FFFF
    EXPECT_EQ(utf16_length("\xef\xbf\xbf"), 1u);     // U+FFFF
}

TEST(engineio_payload_v3, a_length_may_not_split_a_surrogate_pair) {
    failing("2:4😀", payload_format::v3_text, error::truncated);
    failing("4:4😀", payload_format::v3_text, error::truncated);
    failing("2:4😀1:2", payload_format::v3_text, error::truncated);
}

TEST(engineio_payload_v3, text_errors) {
    failing("", payload_format::v3_text, error::empty_packet);
    failing("0:", payload_format::v3_text, error::empty_packet);
    failing("5:4helo0:", payload_format::v3_text, error::empty_packet);
    failing(":4a", payload_format::v3_text, error::bad_framing);
    failing("x:4a", payload_format::v3_text, error::bad_framing);
    failing("-1:4", payload_format::v3_text, error::bad_framing);
    failing("4hello", payload_format::v3_text, error::bad_framing);
    failing("2:4a1", payload_format::v3_text, error::bad_framing);
    failing("12345678901:4", payload_format::v3_text, error::bad_framing);
    failing("10:4a", payload_format::v3_text, error::truncated);
    failing("2:4\xff", payload_format::v3_text, error::invalid_utf8);
    failing("2:4\xc0\xaf", payload_format::v3_text, error::invalid_utf8); // overlong '/'
    failing("1:9", payload_format::v3_text, error::unknown_packet_type);
    failing("5:b4!!!", payload_format::v3_text, error::bad_base64);
    failing("1:b", payload_format::v3_text, error::unknown_packet_type);
    failing("1:21:21:2", payload_format::v3_text, error::too_many_packets, {.max_packets = 2});
    failing("5:4abcd", payload_format::v3_text, error::packet_too_large, {.max_packet_size = 3});
}

TEST(engineio_payload_v3, binary_errors) {
    failing("", payload_format::v3_binary, error::empty_packet);
    failing(bytes({0x02, 1, 0xff, '2'}), payload_format::v3_binary, error::bad_framing);
    failing(bytes({'0', 1, 0xff, '2'}), payload_format::v3_binary, error::bad_framing);
    failing(bytes({0x00, 0xff, '2'}), payload_format::v3_binary, error::bad_framing);
    failing(bytes({0x00, 1}), payload_format::v3_binary, error::bad_framing);
    failing(bytes({0x00, 1, '2'}), payload_format::v3_binary, error::bad_framing);
    failing(bytes({0x00, 10, 0xff, '2'}), payload_format::v3_binary, error::bad_framing);
    failing(bytes({0x00, '1', 0xff, '2'}), payload_format::v3_binary, error::bad_framing);
    failing(bytes({0x00, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0xff}), payload_format::v3_binary,
            error::bad_framing);
    failing(bytes({0x00, 5, 0xff, '4', 'a'}), payload_format::v3_binary, error::truncated);
    failing(bytes({0x00, 0, 0xff}), payload_format::v3_binary, error::empty_packet);
    failing(bytes({0x01, 0, 0xff}), payload_format::v3_binary, error::empty_packet);
    failing(bytes({0x01, 2, 0xff, 9, 'a'}), payload_format::v3_binary, error::unknown_packet_type);
    failing(bytes({0x00, 1, 0xff, '9'}), payload_format::v3_binary, error::unknown_packet_type);
    failing(bytes({0x00, 2, 0xff, '4', 0xff}), payload_format::v3_binary, error::invalid_utf8);
    failing(bytes({0x01, 1, 0xff, 4, 0x01, 1, 0xff, 4, 0x01, 1, 0xff, 4}),
            payload_format::v3_binary, error::too_many_packets, {.max_packets = 2});
    failing(bytes({0x01, 5, 0xff, 4, 1, 2, 3, 4}), payload_format::v3_binary,
            error::packet_too_large, {.max_packet_size = 3});
}

TEST(engineio_payload, choosing_formats_and_content_types) {
    const std::vector<packet> plain{hello};
    const std::vector<packet> mixed{hello, binary("x")};
    EXPECT_EQ(response_format(version::v4, true, mixed), payload_format::v4);
    EXPECT_EQ(response_format(version::v3, true, plain), payload_format::v3_text);
    EXPECT_EQ(response_format(version::v3, true, mixed), payload_format::v3_binary);
    EXPECT_EQ(response_format(version::v3, false, mixed), payload_format::v3_text);
    EXPECT_EQ(request_format(version::v4, "application/octet-stream"), payload_format::v4);
    EXPECT_EQ(request_format(version::v3, "application/octet-stream"), payload_format::v3_binary);
    EXPECT_EQ(request_format(version::v3, "Application/Octet-Stream ; x=y"),
              payload_format::v3_binary);
    EXPECT_EQ(request_format(version::v3, "text/plain;charset=UTF-8"), payload_format::v3_text);
    EXPECT_EQ(request_format(version::v3, ""), payload_format::v3_text);
    EXPECT_EQ(content_type(payload_format::v4), "text/plain; charset=UTF-8");
    EXPECT_EQ(content_type(payload_format::v3_text), "text/plain; charset=UTF-8");
    EXPECT_EQ(content_type(payload_format::v3_binary), "application/octet-stream");
}

TEST(engineio_payload, an_empty_packet_list_encodes_to_an_empty_body) {
    for (const auto f : {payload_format::v4, payload_format::v3_text, payload_format::v3_binary})
        EXPECT_EQ(encode({}, f), "");
}

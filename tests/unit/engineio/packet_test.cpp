// WebSocket frames: every single-packet example of engine.io-protocol (v4 README, f21de7b;
// v3 branch, 05468d1) both ways, then every error.

#include "engineio/base64.hpp"
#include "engineio/error.hpp"
#include "engineio/packet.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

using namespace senna::engineio;
using senna::engineio::test::binary;
using senna::engineio::test::bytes;
using senna::engineio::test::text;

namespace {

std::pair<std::string, frame_kind> frame(const packet& p, version v = version::v4,
                                         bool base64 = false) {
    std::string out;
    const auto kind = encode_frame(p, out, v, base64);
    return {out, kind};
}

/** The frame decodes to `p` and `p` encodes to the frame. */
void both_ways(std::string_view wire, frame_kind kind, const packet& p, version v = version::v4,
               bool base64 = false) {
    const auto decoded = decode_frame(wire, kind, v);
    ASSERT_TRUE(decoded) << decoded.error().message();
    EXPECT_EQ(*decoded, p);
    const auto [out, out_kind] = frame(p, v, base64);
    EXPECT_EQ(out, wire);
    EXPECT_EQ(out_kind, kind);
}

} // namespace

TEST(engineio_frame, v4_readme_examples) {
    both_ways("4hello", frame_kind::text, text(packet_type::message, "hello"));
    // Upgrade: "2probe" (ping), "3probe" (pong), "5" (upgrade).
    both_ways("2probe", frame_kind::text, text(packet_type::ping, "probe"));
    both_ways("3probe", frame_kind::text, text(packet_type::pong, "probe"));
    both_ways("5", frame_kind::text, text(packet_type::upgrade));
    // Heartbeat: "2" then "3".
    both_ways("2", frame_kind::text, text(packet_type::ping));
    both_ways("3", frame_kind::text, text(packet_type::pong));
    // "Binary payloads are sent as is, without modification."
    both_ways(bytes({1, 2, 3, 4}), frame_kind::binary, binary(bytes({1, 2, 3, 4})));
}

TEST(engineio_frame, socketio_sample_session_frames) {
    both_ways(R"(42["hello"])", frame_kind::text, text(packet_type::message, R"(2["hello"])"));
    both_ways("40/admin,", frame_kind::text, text(packet_type::message, "0/admin,"));
    both_ways("1", frame_kind::text, text(packet_type::close));
    both_ways("6", frame_kind::text, text(packet_type::noop));
}

TEST(engineio_frame, every_type_round_trips) {
    for (int t = 0; t <= 6; ++t) {
        const auto type = static_cast<packet_type>(t);
        both_ways(std::string(1, char('0' + t)) + "x", frame_kind::text, text(type, "x"));
        both_ways(std::string(1, char('0' + t)) + "x", frame_kind::text, text(type, "x"),
                  version::v3);
    }
}

TEST(engineio_frame, v4_base64_text_frame_for_b64_clients) {
    both_ways("bAQIDBA==", frame_kind::text, binary(bytes({1, 2, 3, 4})), version::v4, true);
    both_ways("b", frame_kind::text, binary(""), version::v4, true);
}

TEST(engineio_frame, v4_binary_frames_are_messages_even_when_empty) {
    both_ways("", frame_kind::binary, binary(""));
    // A byte that looks like a type is data in v4.
    both_ways(bytes({4, 0, 1}), frame_kind::binary, binary(bytes({4, 0, 1})));
}

TEST(engineio_frame, v3_readme_examples) {
    // "4|0|1|2|3|4|5": type message in the first byte, then bytes 0..5.
    both_ways(bytes({4, 0, 1, 2, 3, 4, 5}), frame_kind::binary, binary(bytes({0, 1, 2, 3, 4, 5})),
              version::v3);
    both_ways("2probe", frame_kind::text, text(packet_type::ping, "probe"), version::v3);
    both_ways("3probe", frame_kind::text, text(packet_type::pong, "probe"), version::v3);
    both_ways("4HelloWorld", frame_kind::text, text(packet_type::message, "HelloWorld"),
              version::v3);
    both_ways("4hey", frame_kind::text, text(packet_type::message, "hey"), version::v3);
}

TEST(engineio_frame, v3_base64_names_the_type) {
    both_ways("b4AQIDBA==", frame_kind::text, binary(bytes({1, 2, 3, 4})), version::v3, true);
    both_ways("b2AQ==", frame_kind::text, binary(bytes({1}), packet_type::ping), version::v3, true);
    both_ways(bytes({2, 9}), frame_kind::binary, binary(bytes({9}), packet_type::ping),
              version::v3);
}

TEST(engineio_frame, text_data_is_taken_verbatim) {
    // UTF-8 and the record separator are the transport's business, not the frame codec's.
    both_ways("4€😀", frame_kind::text, text(packet_type::message, "€😀"));
    both_ways("4a\x1e"
              "b",
              frame_kind::text,
              text(packet_type::message, "a\x1e"
                                         "b"));
}

TEST(engineio_frame, errors) {
    const auto failing = [](std::string_view wire, frame_kind kind, version v, error e) {
        const auto r = decode_frame(wire, kind, v);
        ASSERT_FALSE(r) << "accepted " << wire;
        EXPECT_EQ(r.error(), make_error_code(e)) << wire;
    };
    for (const auto v : {version::v3, version::v4}) {
        failing("", frame_kind::text, v, error::empty_packet);
        failing("7", frame_kind::text, v, error::unknown_packet_type);
        failing("x", frame_kind::text, v, error::unknown_packet_type);
        failing("/", frame_kind::text, v, error::unknown_packet_type);
        failing(" 4", frame_kind::text, v, error::unknown_packet_type);
        failing("abc", frame_kind::text, v, error::unknown_packet_type);
    }
    failing("b!!!!", frame_kind::text, version::v4, error::bad_base64);
    failing("bAQ ID", frame_kind::text, version::v4, error::bad_base64);
    failing("bA", frame_kind::text, version::v4, error::bad_base64);
    failing("b4!!!!", frame_kind::text, version::v3, error::bad_base64);
    failing("b", frame_kind::text, version::v3, error::unknown_packet_type);
    failing("b9AQ==", frame_kind::text, version::v3, error::unknown_packet_type);
    failing("", frame_kind::binary, version::v3, error::empty_packet);
    failing(bytes({7, 1}), frame_kind::binary, version::v3, error::unknown_packet_type);
    failing(bytes({0x34, 1}), frame_kind::binary, version::v3, error::unknown_packet_type);
}

TEST(engineio_frame, names_and_versions) {
    EXPECT_EQ(name(packet_type::open), "open");
    EXPECT_EQ(name(packet_type::noop), "noop");
    EXPECT_EQ(name(static_cast<packet_type>(9)), "unknown");
    EXPECT_EQ(parse_version("4"), version::v4);
    EXPECT_EQ(parse_version("3"), version::v3);
    EXPECT_FALSE(parse_version("2"));
    EXPECT_FALSE(parse_version("04"));
    EXPECT_FALSE(parse_version(""));
}

TEST(engineio_error, every_value_has_a_message_and_the_category_name) {
    for (int e = 1; e <= static_cast<int>(error::truncated); ++e) {
        const auto ec = make_error_code(static_cast<error>(e));
        EXPECT_STREQ(ec.category().name(), "senna.engineio");
        EXPECT_NE(ec.message(), "unknown engineio error") << e;
    }
}

TEST(engineio_base64, rfc4648_vectors_both_ways) {
    const std::pair<std::string_view, std::string_view> vectors[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : vectors) {
        std::string out;
        base64_encode(plain, out);
        EXPECT_EQ(out, encoded);
        std::string back;
        ASSERT_TRUE(base64_decode(encoded, back)) << encoded;
        EXPECT_EQ(back, plain);
    }
}

TEST(engineio_base64, round_trips_every_length_and_byte) {
    std::string data;
    for (int i = 0; i < 300; ++i) {
        std::string encoded, decoded;
        base64_encode(data, encoded);
        ASSERT_TRUE(base64_decode(encoded, decoded));
        EXPECT_EQ(decoded, data);
        data += static_cast<char>(i * 37 + 11);
    }
}

TEST(engineio_base64, forgiving_on_padding_and_trailing_bits_strict_on_characters) {
    std::string out;
    EXPECT_TRUE(base64_decode("Zg", out));
    EXPECT_EQ(out, "f");
    out.clear();
    EXPECT_TRUE(base64_decode("Zh==", out)); // non-zero trailing bits, as atob allows
    EXPECT_EQ(out, "f");
    out.clear();
    EXPECT_TRUE(base64_decode("+/+/", out));
    EXPECT_EQ(out, bytes({0xfb, 0xff, 0xbf}));
    for (const std::string_view bad :
         {"Zg=", "=", "====", "Z===", "Z", "Zm9vZ", "Zg==Zg==", "-_8", "Zm 9v", "Zm9v\n"}) {
        out.clear();
        EXPECT_FALSE(base64_decode(bad, out)) << bad;
    }
    EXPECT_FALSE(base64_decode(std::string_view("Zm\0v", 4), out));
}

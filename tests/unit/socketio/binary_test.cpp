// Attachments: the decoder's state machine (as socket.io-parser's Decoder#add), the
// reconstructor on its own, placeholder helpers.

#include "socketio/binary.hpp"
#include "socketio/error.hpp"
#include "socketio/json.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

using namespace senna::socketio;
using senna::socketio::test::bytes;
using senna::socketio::test::json;
using senna::socketio::test::ph0;
using senna::socketio::test::ph1;

namespace {

const std::string two_attachments =
    std::string(R"(452-["message",)").substr(1) + std::string(ph0) + "," + std::string(ph1) + "]";

} // namespace

TEST(socketio_binary, the_decoder_collects_attachments_in_order) {
    decoder d;
    auto r = d.on_text(two_attachments);
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r);
    EXPECT_TRUE(d.busy());
    r = d.on_binary(bytes({1, 2, 3}));
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r);
    r = d.on_binary(bytes({4, 5, 6}));
    ASSERT_TRUE(r);
    ASSERT_TRUE(*r);
    EXPECT_FALSE(d.busy());
    const packet& p = **r;
    EXPECT_EQ(p.type, packet_type::binary_event);
    EXPECT_EQ(p.pending_attachments, 0u);
    ASSERT_EQ(p.attachments.size(), 2u);
    EXPECT_EQ(p.attachments[0], bytes({1, 2, 3}));
    EXPECT_EQ(p.attachments[1], bytes({4, 5, 6}));
    // The test suite's echo: same placeholders, new name, same binary frames.
    packet echo = p;
    echo.data.as_array()[0] = "message-back";
    EXPECT_EQ(encode(echo), std::string(R"(52-["message-back",)") + std::string(ph0) + "," +
                                std::string(ph1) + "]");
}

TEST(socketio_binary, text_packets_pass_straight_through) {
    decoder d;
    const auto r = d.on_text(R"(2["a"])");
    ASSERT_TRUE(r);
    ASSERT_TRUE(*r);
    EXPECT_EQ((*r)->data, json(R"(["a"])"));
    // "Labeled binary but no binary data to follow."
    const auto zero = d.on_text(R"(50-["a"])");
    ASSERT_TRUE(zero);
    ASSERT_TRUE(*zero);
    EXPECT_TRUE((*zero)->attachments.empty());
    EXPECT_FALSE(d.busy());
}

TEST(socketio_binary, binary_without_a_header_is_an_error) {
    decoder d;
    const auto r = d.on_binary("x");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(error::unexpected_binary));
    // One too many: the header asked for one, the second is unexpected.
    ASSERT_TRUE(d.on_text(std::string(R"(51-["a",)") + std::string(ph0) + "]"));
    const auto first = d.on_binary("x");
    ASSERT_TRUE(first);
    ASSERT_TRUE(*first);
    const auto extra = d.on_binary("y");
    ASSERT_FALSE(extra);
    EXPECT_EQ(extra.error(), make_error_code(error::unexpected_binary));
}

TEST(socketio_binary, text_while_waiting_is_an_error_and_resets) {
    decoder d;
    ASSERT_TRUE(d.on_text(two_attachments));
    const auto r = d.on_text(R"(2["a"])");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(error::unexpected_text));
    EXPECT_FALSE(d.busy());
    EXPECT_TRUE(d.on_text(R"(2["a"])"));
}

TEST(socketio_binary, decode_errors_pass_through_the_decoder) {
    decoder d;
    const auto r = d.on_text("2{}");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(error::invalid_payload));
    EXPECT_FALSE(d.busy());
}

TEST(socketio_binary, attachment_bytes_are_bounded_per_packet) {
    decoder d({.max_attachment_bytes = 5});
    ASSERT_TRUE(d.on_text(two_attachments));
    ASSERT_TRUE(d.on_binary("abc"));
    const auto r = d.on_binary("def");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(error::attachments_too_large));
    EXPECT_FALSE(d.busy());
    // Exactly at the limit is fine, and the count starts over with each packet.
    ASSERT_TRUE(d.on_text(two_attachments));
    ASSERT_TRUE(d.on_binary("abc"));
    const auto ok = d.on_binary("de");
    ASSERT_TRUE(ok);
    ASSERT_TRUE(*ok);
    ASSERT_TRUE(d.on_text(two_attachments));
    ASSERT_TRUE(d.on_binary("abcde"));
    EXPECT_TRUE(d.on_binary(""));
}

TEST(socketio_binary, reset_drops_a_partial_packet) {
    decoder d;
    ASSERT_TRUE(d.on_text(two_attachments));
    d.reset();
    EXPECT_FALSE(d.busy());
    EXPECT_FALSE(d.on_binary("x"));
}

TEST(socketio_binary, the_reconstructor_alone) {
    reconstructor r;
    EXPECT_FALSE(r.busy());
    auto header = decode(two_attachments);
    ASSERT_TRUE(header);
    r.start(std::move(*header));
    EXPECT_TRUE(r.busy());
    ASSERT_TRUE(r.feed("a"));
    const auto done = r.feed("b");
    ASSERT_TRUE(done);
    ASSERT_TRUE(*done);
    EXPECT_EQ((*done)->attachments, (std::vector<std::string>{"a", "b"}));
    EXPECT_FALSE(r.busy());
}

TEST(socketio_binary, placeholder_helpers) {
    EXPECT_EQ(to_json(make_placeholder(0)), ph0);
    EXPECT_EQ(to_json(make_placeholder(1)), ph1);
    EXPECT_TRUE(is_placeholder(make_placeholder(7)));
    EXPECT_FALSE(is_placeholder(json(R"({"_placeholder":1,"num":0})")));
    EXPECT_FALSE(is_placeholder(json(R"([true])")));
    EXPECT_EQ(placeholder_index(make_placeholder(1), 2), 1u);
    EXPECT_FALSE(placeholder_index(make_placeholder(2), 2));
    EXPECT_FALSE(placeholder_index(json(R"({"x":1})"), 2));
    EXPECT_EQ(placeholder_index(json(R"({"_placeholder":true,"num":1.0})"), 2), 1u);
    EXPECT_EQ(placeholder_index(json(R"({"_placeholder":true,"num":18446744073709551615})"),
                                std::size_t(-1)),
              std::nullopt);
    EXPECT_TRUE(placeholders_valid(json(R"(["a",{"b":[{"_placeholder":true,"num":1}]}])"), 2));
    EXPECT_FALSE(placeholders_valid(json(R"(["a",{"b":[{"_placeholder":true,"num":2}]}])"), 2));
    EXPECT_TRUE(placeholders_valid(json(R"(["a",{"b":[1,2,"c",null]}])"), 0));
    // Inside a placeholder nothing else is looked at (the reference replaces it whole).
    EXPECT_TRUE(
        placeholders_valid(json(R"({"_placeholder":true,"num":0,"x":{"_placeholder":true}})"), 1));
}

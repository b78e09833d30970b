// Socket.IO packet text: every example of socket.io-protocol (v5 Readme 4f633dd, v4 branch
// 8df2120) and of its test suite, both ways with exact strings; then every decode error.

#include "socketio/binary.hpp"
#include "socketio/error.hpp"
#include "socketio/packet.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

using namespace senna::socketio;
using senna::socketio::test::bytes;
using senna::socketio::test::make;
using senna::socketio::test::ph0;
using senna::socketio::test::ph1;

namespace {

/** `wire` (plus its attachments) decodes to `p`, and `p` encodes to `wire`. */
void both_ways(std::string_view wire, const packet& p) {
    decoder d;
    auto r = d.on_text(wire);
    ASSERT_TRUE(r) << wire << ": " << r.error().message();
    for (const auto& attachment : p.attachments) {
        ASSERT_FALSE(*r) << wire << ": complete before its attachments";
        r = d.on_binary(attachment);
        ASSERT_TRUE(r) << r.error().message();
    }
    ASSERT_TRUE(*r) << wire << ": still waiting for attachments";
    EXPECT_EQ(**r, p) << wire;
    EXPECT_EQ(encode(p), wire);
}

void failing(std::string_view wire, error e, const limits& lim = {}) {
    const auto r = decode(wire, lim);
    ASSERT_FALSE(r) << "accepted " << wire;
    EXPECT_EQ(r.error(), make_error_code(e)) << wire << ": " << r.error().message();
}

std::string cat(std::string_view a, std::string_view b, std::string_view c = {},
                std::string_view d = {}, std::string_view e = {}) {
    return std::string(a) + std::string(b) + std::string(c) + std::string(d) + std::string(e);
}

} // namespace

TEST(socketio_packet, v5_connect_examples) {
    both_ways("0", make(packet_type::connect));
    both_ways(R"(0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"})",
              make(packet_type::connect, "/admin", R"({"sid":"oSO0OpakMV_3jnilAAAA"})"));
    both_ways(R"(4{"message":"Not authorized"})",
              make(packet_type::connect_error, "/", R"({"message":"Not authorized"})"));
    // Exchange examples: the client's CONNECT with a payload, the server's answers.
    both_ways(R"(0/admin,{"token":"123"})",
              make(packet_type::connect, "/admin", R"({"token":"123"})"));
    both_ways(R"(0{"sid":"wZX3oN0bSVIhsaknAAAI"})",
              make(packet_type::connect, "/", R"({"sid":"wZX3oN0bSVIhsaknAAAI"})"));
    both_ways(R"(0/admin,{"sid":"iLnRaVGHY4B75TeVAAAB"})",
              make(packet_type::connect, "/admin", R"({"sid":"iLnRaVGHY4B75TeVAAAB"})"));
}

TEST(socketio_packet, v5_event_examples) {
    both_ways(R"(2["foo"])", make(packet_type::event, "/", R"(["foo"])"));
    both_ways(R"(2/admin,["bar"])", make(packet_type::event, "/admin", R"(["bar"])"));
    both_ways(cat(R"(51-["baz",)", ph0, "]"),
              make(packet_type::binary_event, "/", cat(R"(["baz",)", ph0, "]"), std::nullopt,
                   {bytes({1, 2, 3, 4})}));
    both_ways(cat(R"(52-/admin,["baz",)", ph0, ",", ph1, "]"),
              make(packet_type::binary_event, "/admin", cat(R"(["baz",)", ph0, ",", ph1, "]"),
                   std::nullopt, {bytes({1, 2}), bytes({3, 4})}));
}

TEST(socketio_packet, v5_ack_examples) {
    both_ways(R"(212["foo"])", make(packet_type::event, "/", R"(["foo"])", 12));
    both_ways(R"(312[])", make(packet_type::ack, "/", "[]", 12));
    both_ways(R"(2/admin,13["foo"])", make(packet_type::event, "/admin", R"(["foo"])", 13));
    both_ways(R"(3/admin,13["bar"])", make(packet_type::ack, "/admin", R"(["bar"])", 13));
    both_ways(cat(R"(51-14["foo",)", ph0, "]"),
              make(packet_type::binary_event, "/", cat(R"(["foo",)", ph0, "]"), 14,
                   {bytes({1, 2, 3, 4})}));
    both_ways(R"(314["bar"])", make(packet_type::ack, "/", R"(["bar"])", 14));
    both_ways(R"(215["foo"])", make(packet_type::event, "/", R"(["foo"])", 15));
    both_ways(
        cat(R"(61-15["bar",)", ph0, "]"),
        make(packet_type::binary_ack, "/", cat(R"(["bar",)", ph0, "]"), 15, {bytes({1, 2, 3, 4})}));
}

TEST(socketio_packet, v5_disconnect_examples) {
    both_ways("1", make(packet_type::disconnect));
    both_ways("1/admin,", make(packet_type::disconnect, "/admin"));
}

TEST(socketio_packet, v5_sample_session) {
    both_ways(R"(2["hey","Jude"])", make(packet_type::event, "/", R"(["hey","Jude"])"));
    both_ways(R"(2["hello"])", make(packet_type::event, "/", R"(["hello"])"));
    both_ways(R"(2["world"])", make(packet_type::event, "/", R"(["world"])"));
    both_ways("0/admin,", make(packet_type::connect, "/admin"));
    both_ways(R"(0/admin,{"sid":"-G5j-67EZFp-q59rADQM"})",
              make(packet_type::connect, "/admin", R"({"sid":"-G5j-67EZFp-q59rADQM"})"));
    both_ways(R"(2/admin,1["tellme"])", make(packet_type::event, "/admin", R"(["tellme"])", 1));
    both_ways(cat("61-/admin,1[", ph0, "]"),
              make(packet_type::binary_ack, "/admin", cat("[", ph0, "]"), 1, {"<binary>"}));
}

TEST(socketio_packet, v4_branch_examples) {
    both_ways("0/admin,", make(packet_type::connect, "/admin"));
    both_ways("0/admin?token=1234&uid=abcd,",
              make(packet_type::connect, "/admin?token=1234&uid=abcd"));
    both_ways("1/admin,", make(packet_type::disconnect, "/admin"));
    both_ways(R"(2["hello",1])", make(packet_type::event, "/", R"(["hello",1])"));
    both_ways(R"(2/admin,456["project:delete",123])",
              make(packet_type::event, "/admin", R"(["project:delete",123])", 456));
    both_ways("3/admin,456[]", make(packet_type::ack, "/admin", "[]", 456));
    both_ways(R"(4/admin,"Not authorized")",
              make(packet_type::connect_error, "/admin", R"("Not authorized")"));
    both_ways(cat(R"(51-["hello",)", ph0, "]"),
              make(packet_type::binary_event, "/", cat(R"(["hello",)", ph0, "]"), std::nullopt,
                   {bytes({1, 2, 3})}));
    both_ways(cat(R"(51-/admin,456["project:delete",)", ph0, "]"),
              make(packet_type::binary_event, "/admin", cat(R"(["project:delete",)", ph0, "]"), 456,
                   {bytes({1, 2, 3})}));
    both_ways(cat("61-/admin,456[", ph0, "]"),
              make(packet_type::binary_ack, "/admin", cat("[", ph0, "]"), 456, {bytes({3, 2, 1})}));
}

TEST(socketio_packet, test_suite_packets) {
    // What the socket.io-protocol test suite sends (after the Engine.IO "4") ...
    both_ways(R"(0{"token":"123"})", make(packet_type::connect, "/", R"({"token":"123"})"));
    both_ways("0/custom,", make(packet_type::connect, "/custom"));
    both_ways(R"(0/custom,{"token":"abc"})",
              make(packet_type::connect, "/custom", R"({"token":"abc"})"));
    both_ways(R"(2["message","message to main namespace"])",
              make(packet_type::event, "/", R"(["message","message to main namespace"])"));
    both_ways(R"(2["message",1,"2",{"3":[true]}])",
              make(packet_type::event, "/", R"(["message",1,"2",{"3":[true]}])"));
    both_ways(R"(2456["message-with-ack",1,"2",{"3":[false]}])",
              make(packet_type::event, "/", R"(["message-with-ack",1,"2",{"3":[false]}])", 456));
    both_ways(cat(R"(52-["message",)", ph0, ",", ph1, "]"),
              make(packet_type::binary_event, "/", cat(R"(["message",)", ph0, ",", ph1, "]"),
                   std::nullopt, {bytes({1, 2, 3}), bytes({4, 5, 6})}));
    both_ways(cat(R"(52-789["message-with-ack",)", ph0, ",", ph1, "]"),
              make(packet_type::binary_event, "/",
                   cat(R"(["message-with-ack",)", ph0, ",", ph1, "]"), 789,
                   {bytes({1, 2, 3}), bytes({4, 5, 6})}));
    // ... and what it expects back.
    both_ways(R"(2["auth",{}])", make(packet_type::event, "/", R"(["auth",{}])"));
    both_ways(R"(2["auth",{"token":"123"}])",
              make(packet_type::event, "/", R"(["auth",{"token":"123"}])"));
    both_ways(R"(2/custom,["auth",{}])", make(packet_type::event, "/custom", R"(["auth",{}])"));
    both_ways(R"(4/random,{"message":"Invalid namespace"})",
              make(packet_type::connect_error, "/random", R"({"message":"Invalid namespace"})"));
    both_ways(R"(2["message-back",1,"2",{"3":[true]}])",
              make(packet_type::event, "/", R"(["message-back",1,"2",{"3":[true]}])"));
    both_ways(R"(3456[1,"2",{"3":[false]}])",
              make(packet_type::ack, "/", R"([1,"2",{"3":[false]}])", 456));
    both_ways(cat("62-789[", ph0, ",", ph1, "]"),
              make(packet_type::binary_ack, "/", cat("[", ph0, ",", ph1, "]"), 789,
                   {bytes({1, 2, 3}), bytes({4, 5, 6})}));
}

TEST(socketio_packet, a_namespace_may_end_the_packet_without_a_comma) {
    // The test suite sends "40/random", "40/custom" and "41/custom"; the reference accepts them.
    for (const std::string_view wire : {"0/random", "0/custom", "1/custom"}) {
        const auto r = decode(wire);
        ASSERT_TRUE(r) << wire;
        EXPECT_EQ(r->nsp, wire.substr(1));
        EXPECT_TRUE(r->data.is_null());
        EXPECT_EQ(encode(*r), std::string(wire) + ",");
    }
}

TEST(socketio_packet, event_names_may_be_numbers_and_payloads_may_have_spaces) {
    both_ways(R"(2[1,"a"])", make(packet_type::event, "/", R"([1,"a"])"));
    both_ways(R"(2[1.5])", make(packet_type::event, "/", R"([1.5])"));
    const auto r = decode(R"(2 [ "a" , 1 ] )");
    ASSERT_TRUE(r);
    EXPECT_EQ(encode(*r), R"(2["a",1])");
}

TEST(socketio_packet, ids_up_to_64_bits) {
    both_ways(R"(218446744073709551615["a"])",
              make(packet_type::event, "/", R"(["a"])", 18446744073709551615u));
    both_ways(R"(20["a"])", make(packet_type::event, "/", R"(["a"])", 0));
}

TEST(socketio_packet, encode_upgrades_events_with_attachments_to_binary) {
    EXPECT_EQ(encode(make(packet_type::event, "/", cat(R"(["a",)", ph0, "]"), std::nullopt, {"x"})),
              cat(R"(51-["a",)", ph0, "]"));
    EXPECT_EQ(encode(make(packet_type::ack, "/", cat("[", ph0, "]"), 3, {"x"})),
              cat("61-3[", ph0, "]"));
    // A binary type without attachments says so.
    EXPECT_EQ(encode(make(packet_type::binary_event, "/", R"(["a"])")), R"(50-["a"])");
    // An empty namespace is the main one.
    EXPECT_EQ(encode(make(packet_type::event, "", R"(["a"])")), R"(2["a"])");
}

TEST(socketio_packet, binary_header_decodes_with_pending_attachments) {
    const auto r = decode(cat(R"(52-/admin,7["a",)", ph0, ",", ph1, "]"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->type, packet_type::binary_event);
    EXPECT_EQ(r->nsp, "/admin");
    EXPECT_EQ(r->id, 7u);
    EXPECT_EQ(r->pending_attachments, 2u);
    EXPECT_TRUE(r->attachments.empty());
    const auto zero = decode(R"(50-["a"])");
    ASSERT_TRUE(zero);
    EXPECT_EQ(zero->pending_attachments, 0u);
}

TEST(socketio_packet, errors_framing) {
    failing("", error::empty_packet);
    failing("7", error::unknown_packet_type);
    failing("abc", error::unknown_packet_type); // the test suite's "4abc"
    failing("/admin,", error::unknown_packet_type);
    failing(R"(5["a"])", error::bad_attachments);
    failing(R"(5["a-b"])", error::bad_attachments);
    failing(R"(5-["a"])", error::bad_attachments);
    failing(R"(5x-["a"])", error::bad_attachments);
    failing(R"(51x-["a"])", error::bad_attachments);
    failing(R"(51234567890-["a"])", error::bad_attachments);
    failing(R"(6)", error::bad_attachments);
    failing(cat(R"(511-["a",)", ph0, "]"), error::too_many_attachments);
    failing(cat(R"(52-["a",)", ph0, "]"), error::too_many_attachments, {.max_attachments = 1});
    failing("0/" + std::string(4096, 'a') + ",", error::namespace_too_long);
    EXPECT_TRUE(decode("0/" + std::string(4095, 'a') + ","));
    failing(R"(2["a","b"])", error::packet_too_large, {.max_packet_size = 9});
    EXPECT_TRUE(decode(R"(2["a","b"])", {.max_packet_size = 10}));
}

TEST(socketio_packet, errors_ack_id) {
    failing(R"(218446744073709551616["a"])", error::bad_ack_id);
    failing(R"(299999999999999999999999["a"])", error::bad_ack_id);
    failing("0123", error::bad_ack_id);
    failing(R"(0/admin,1{"token":"x"})", error::bad_ack_id);
    failing("15", error::bad_ack_id);
    failing(R"(41"x")", error::bad_ack_id);
}

TEST(socketio_packet, errors_json) {
    failing(R"(2abc["message-with-ack",1,"2",{"3":[false]}])", error::invalid_json);
    failing(R"(2["a")", error::invalid_json);
    failing(R"(2["a"]x)", error::invalid_json);
    failing(R"(2["a"],)", error::invalid_json);
    failing("2['a']", error::invalid_json);
    failing("2[\"\xff\"]", error::invalid_json); // not UTF-8
    failing(R"(2["a",/*c*/1])", error::invalid_json);
    failing(R"(2["a",1,])", error::invalid_json);
    std::string deep = R"(2["a",)";
    for (int i = 0; i < 40; ++i)
        deep += '[';
    for (int i = 0; i < 40; ++i)
        deep += ']';
    deep += ']';
    failing(deep, error::invalid_json);
    EXPECT_TRUE(decode(deep, {.max_depth = 64}));
}

TEST(socketio_packet, errors_payload_shape) {
    failing("2{}", error::invalid_payload); // the test suite's "42{}"
    failing("2", error::invalid_payload);
    failing("2/admin,", error::invalid_payload);
    failing("212", error::invalid_payload);
    failing("2[]", error::invalid_payload);
    failing("2[{}]", error::invalid_payload);
    failing("2[null]", error::invalid_payload);
    failing("2[true]", error::invalid_payload);
    failing("2[[\"a\"]]", error::invalid_payload);
    failing("2null", error::invalid_payload);
    failing(R"(2"a")", error::invalid_payload);
    failing("3", error::invalid_payload);
    failing("3{}", error::invalid_payload);
    failing(R"(3"a")", error::invalid_payload);
    failing("0[]", error::invalid_payload);
    failing(R"(0"a")", error::invalid_payload);
    failing("0null", error::invalid_payload);
    failing("1{}", error::invalid_payload);
    failing("1[]", error::invalid_payload);
    failing("1/admin,null", error::invalid_payload);
    failing("4[]", error::invalid_payload);
    failing("4 true", error::invalid_payload);
    failing("4null", error::invalid_payload);
    failing("50-{}", error::invalid_payload);
    failing("50-", error::invalid_payload);
    failing("60-{}", error::invalid_payload);
    failing("60-", error::invalid_payload);
    // The reserved event names.
    for (const auto name : {"connect", "connect_error", "disconnect", "disconnecting",
                            "newListener", "removeListener"}) {
        failing(cat("2[\"", name, "\"]"), error::reserved_event);
        failing(cat("50-[\"", name, "\"]"), error::reserved_event);
    }
    EXPECT_TRUE(decode(R"(2["Connect"])"));
    EXPECT_TRUE(decode(R"(2["connect "])"));
    // Accepted shapes that look odd: CONNECT_ERROR without payload, a string one.
    EXPECT_TRUE(decode("4"));
    EXPECT_TRUE(decode(R"(4"x")"));
}

TEST(socketio_packet, errors_placeholders) {
    failing(R"(51-["a",{"_placeholder":true,"num":1}])", error::bad_placeholder);
    failing(R"(51-["a",{"_placeholder":true,"num":-1}])", error::bad_placeholder);
    failing(R"(51-["a",{"_placeholder":true,"num":"0"}])", error::bad_placeholder);
    failing(R"(51-["a",{"_placeholder":true,"num":0.5}])", error::bad_placeholder);
    failing(R"(51-["a",{"_placeholder":true}])", error::bad_placeholder);
    failing(R"(51-["a",{"x":[{"_placeholder":true,"num":3}]}])", error::bad_placeholder);
    failing(R"(60-[{"_placeholder":true,"num":0}])", error::bad_placeholder);
    EXPECT_TRUE(decode(R"(51-["a",{"_placeholder":true,"num":0.0}])"));
    EXPECT_TRUE(decode(R"(51-["a",{"_placeholder":false,"num":9}])"));
    EXPECT_TRUE(decode(R"(51-["a",{"_placeholder":"true","num":9}])"));
    // Outside binary packets placeholders are plain objects, as in the reference.
    EXPECT_TRUE(decode(R"(2["a",{"_placeholder":true,"num":9}])"));
}

TEST(socketio_packet, names_and_error_messages) {
    EXPECT_EQ(name(packet_type::connect), "CONNECT");
    EXPECT_EQ(name(packet_type::binary_ack), "BINARY_ACK");
    EXPECT_EQ(name(static_cast<packet_type>(9)), "UNKNOWN");
    for (int e = 1; e <= static_cast<int>(error::attachments_too_large); ++e) {
        const auto ec = make_error_code(static_cast<error>(e));
        EXPECT_STREQ(ec.category().name(), "senna.socketio");
        EXPECT_NE(ec.message(), "unknown socketio error") << e;
    }
}

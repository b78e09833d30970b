// The sharded adapter's messages (sharded_codec.hpp) against what socket.io 4.8.1 with
// @socket.io/redis-adapter 8.3.0's createShardedAdapter SPUBLISHed (captured with an SSUBSCRIBEd
// node-redis client, uid 58d616fb1159fdb1): io.to("room-1").emit("ev", {a: 1, s: "é"}),
// io.to(["a", "b"]).except("c").emit("x"), io.to("room-1").emit("bin", Buffer.from([1, 2])) and a
// FETCH_SOCKETS_RESPONSE.

#include "realtime/adapter_codec.hpp"
#include "realtime/sharded_codec.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

using namespace senna;
using namespace senna::realtime;

namespace {

const std::string node_uid = "58d616fb1159fdb1";

std::string from_hex(std::string_view hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    return out;
}

} // namespace

TEST(ShardedCodec, BroadcastIsWhatTheAdapterPublishes) {
    const std::vector<std::string> room{"room-1"};
    EXPECT_EQ(encode_sharded_broadcast(node_uid, "[\"ev\",{\"a\":1,\"s\":\"\xc3\xa9\"}]", room, {}),
              "{\"type\":3,\"data\":{\"packet\":{\"type\":2,\"data\":[\"ev\",{\"a\":1,\"s\":"
              "\"\xc3\xa9\"}]},\"opts\":{\"rooms\":[\"room-1\"],\"except\":[],\"flags\":{}}},"
              "\"uid\":\"58d616fb1159fdb1\",\"nsp\":\"/\"}");
    const std::vector<std::string> rooms{"a", "b"}, except{"c"};
    EXPECT_EQ(encode_sharded_broadcast(node_uid, "[\"x\"]", rooms, except),
              R"({"type":3,"data":{"packet":{"type":2,"data":["x"]},"opts":{"rooms":["a","b"],)"
              R"("except":["c"],"flags":{}}},"uid":"58d616fb1159fdb1","nsp":"/"})");
    // senna's logged events: the offset last in the data, and the flag.
    EXPECT_EQ(encode_sharded_broadcast("i-1", "[\"x\",1]", room, {}, "1700000000000-3"),
              R"({"type":3,"data":{"packet":{"type":2,"data":["x",1,"1700000000000-3"]},)"
              R"("opts":{"rooms":["room-1"],"except":[],"flags":{"logged":true}}},)"
              R"("uid":"i-1","nsp":"/"})");
}

TEST(ShardedCodec, ResponsesAreWhatTheAdapterPublishes) {
    EXPECT_EQ(
        encode_sharded_response(node_uid, cluster_request::fetch_sockets_response, "r1"),
        R"({"type":8,"data":{"requestId":"r1","sockets":[]},"uid":"58d616fb1159fdb1","nsp":"/"})");
    EXPECT_EQ(encode_sharded_response("u", cluster_request::server_side_emit_response, "r2"),
              R"({"type":10,"data":{"requestId":"r2","packet":null},"uid":"u","nsp":"/"})");
    EXPECT_EQ(encode_sharded_response("u", cluster_request::broadcast_client_count, "r3"),
              R"({"type":11,"data":{"requestId":"r3","clientCount":0},"uid":"u","nsp":"/"})");
}

TEST(ShardedCodec, DecodesJsonAndMessagePack) {
    auto j = decode_sharded(
        R"({"type":3,"data":{"packet":{"type":2,"data":["x"]},"opts":{"rooms":["a","b"],)"
        R"("except":["c"],"flags":{}}},"uid":"58d616fb1159fdb1","nsp":"/"})");
    ASSERT_TRUE(j) << j.error().message();
    EXPECT_EQ(j->type, 3);
    EXPECT_EQ(j->uid, node_uid);
    EXPECT_EQ(j->nsp, "/");
    EXPECT_FALSE(j->request_id);
    ASSERT_TRUE(j->message);
    EXPECT_EQ(j->message->rooms, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(j->message->except, (std::vector<std::string>{"c"}));
    EXPECT_EQ(boost::json::serialize(j->message->data), R"(["x"])");

    // notepack's bytes of the binary broadcast.
    auto b = decode_sharded(from_hex(
        "84a47479706503a46461746182a67061636b657482a47479706502a46461746192a362696ec4020102a46f"
        "70747383a5726f6f6d7391a6726f6f6d2d31a665786365707490a5666c61677380a3756964b0353864363"
        "13666623131353966646231a36e7370a12f"));
    ASSERT_TRUE(b) << b.error().message();
    EXPECT_EQ(b->uid, node_uid);
    ASSERT_TRUE(b->message);
    EXPECT_EQ(b->message->rooms, (std::vector<std::string>{"room-1"}));
    ASSERT_EQ(b->message->attachments.size(), 1u);
    EXPECT_EQ(b->message->attachments[0], std::string("\x01\x02", 2));
    EXPECT_EQ(boost::json::serialize(b->message->data), R"(["bin",{"_placeholder":true,"num":0}])");

    auto r = decode_sharded(R"({"type":7,"data":{"opts":{"rooms":[],"except":[],"flags":{}},)"
                            R"("requestId":"abc"},"uid":"n1","nsp":"/"})");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->type, 7);
    EXPECT_EQ(r->request_id, std::optional<std::string>("abc"));
    EXPECT_FALSE(r->message);
}

TEST(ShardedCodec, RefusesWhatIsNotAMessage) {
    EXPECT_FALSE(decode_sharded(""));
    EXPECT_FALSE(decode_sharded("{"));
    EXPECT_FALSE(decode_sharded("[1,2]"));
    EXPECT_FALSE(decode_sharded(R"({"type":"3","uid":"x"})"));
    EXPECT_FALSE(decode_sharded(R"({"type":3,"nsp":"/"})"));                    // no uid
    EXPECT_FALSE(decode_sharded(R"({"type":3,"uid":"x","nsp":"/"})"));          // no data
    EXPECT_FALSE(decode_sharded(R"({"type":3,"uid":"x","data":{"opts":{}}})")); // no packet
    EXPECT_FALSE(decode_sharded("\xc1"));
    EXPECT_TRUE(decode_sharded(R"({"type":2,"uid":"x"})")); // a heartbeat: nothing to read
}

TEST(ShardedCodec, OwnMessagesEndWithTheTail) {
    const std::vector<std::string> room{"r"};
    EXPECT_EQ(sharded_tail("i-1"), R"(,"uid":"i-1","nsp":"/"})");
    EXPECT_TRUE(
        encode_sharded_broadcast("i-1", "[\"x\"]", room, {}).ends_with(sharded_tail("i-1")));
    EXPECT_TRUE(encode_sharded_response("i-1", cluster_request::fetch_sockets_response, "q")
                    .ends_with(sharded_tail("i-1")));
    EXPECT_FALSE(
        encode_sharded_broadcast("i-12", "[\"x\"]", room, {}).ends_with(sharded_tail("i-1")));
}

TEST(ShardedCodec, SocketIdRoomsUseMain) {
    EXPECT_TRUE(has_own_channel("user-2"));
    EXPECT_FALSE(has_own_channel("abcdefghij0123456789"));
}

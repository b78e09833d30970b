// The @socket.io/redis-adapter wire format: channels, and messages published by the real
// @socket.io/redis-emitter 5.1.0 and @socket.io/redis-adapter 8.3.0 (fixtures recorded from a
// fake redis client by tests/fixtures/msgpack/make-fixtures.mjs).

#include "fixtures.hpp"
#include "realtime/adapter_codec.hpp"
#include "socketio/json.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

using namespace senna::realtime;
using senna::realtime::test::fixture_bytes;
using senna::realtime::test::fixtures;
using senna::realtime::test::tohex;
using senna::realtime::test::unhex;
using senna::socketio::packet_type;

namespace {

boost::json::value json(std::string_view text) {
    return boost::json::parse(text);
}

std::string channel_of(std::string_view name) {
    return std::string(
        fixtures().at("broadcasts").as_object().at(name).as_object().at("channel").as_string());
}

broadcast decoded_broadcast(std::string_view name) {
    const auto r = decode_broadcast(fixture_bytes("broadcasts", name));
    EXPECT_TRUE(r) << name << ": " << r.error().message();
    return r ? *r : broadcast{};
}

broadcast make(std::string uid, std::string_view data, std::vector<std::string> rooms = {},
               std::vector<std::string> except = {}, std::string_view flags = "{}",
               std::string nsp = "/") {
    broadcast b;
    b.uid = std::move(uid);
    b.nsp = std::move(nsp);
    b.data = json(data);
    b.rooms = std::move(rooms);
    b.except = std::move(except);
    b.flags = json(flags).as_object();
    return b;
}

constexpr std::string_view message =
    R"({"id":"m-1","chat":{"id":"c-1","unread":2},"text":"hi ✓","at":1764284753656})";

std::string event(std::string_view name, std::string_view args) {
    return "[\"" + std::string(name) + "\"," + std::string(args) + "]";
}

/** A fixture decodes to `expected`, travels on the channel the adapter would use for it, and
    what we encode from it decodes to the same broadcast. */
void check(std::string_view name, const broadcast& expected,
           std::string_view prefix = "socket.io") {
    SCOPED_TRACE(std::string(name));
    const broadcast b = decoded_broadcast(name);
    EXPECT_EQ(senna::socketio::to_json(b.data), senna::socketio::to_json(expected.data));
    EXPECT_EQ(b, expected);
    const std::optional<std::string_view> room =
        b.rooms.size() == 1 ? std::optional<std::string_view>(b.rooms[0]) : std::nullopt;
    EXPECT_EQ(channel_of(name), broadcast_channel(prefix, b.nsp, room));
    EXPECT_EQ(channel_room(channel_of(name), prefix, b.nsp), room.value_or(""));
    const auto again = decode_broadcast(encode_broadcast(b));
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, b);
}

void refused(std::string_view hex, msgpack::error e) {
    const auto r = decode_broadcast(unhex(hex));
    ASSERT_FALSE(r) << "accepted " << hex;
    EXPECT_EQ(r.error(), make_error_code(e)) << hex << ": " << r.error().message();
}

} // namespace

TEST(adapter_codec, channels) {
    EXPECT_EQ(broadcast_channel("socket.io", "/"), "socket.io#/#");
    EXPECT_EQ(broadcast_channel("socket.io", "/", "user-1"), "socket.io#/#user-1#");
    EXPECT_EQ(broadcast_channel("senna", "/chat", "r"), "senna#/chat#r#");
    EXPECT_EQ(broadcast_pattern("socket.io", "/"), "socket.io#/#*");
    EXPECT_EQ(channel_room("socket.io#/#", "socket.io", "/"), "");
    EXPECT_EQ(channel_room("socket.io#/#user-1#", "socket.io", "/"), "user-1");
    EXPECT_EQ(channel_room("socket.io#/#a#b#", "socket.io", "/"), "a#b");
    EXPECT_EQ(channel_room("socket.io#/chat#x#", "socket.io", "/"), std::nullopt);
    EXPECT_EQ(channel_room("socket.io#/#user-1", "socket.io", "/"), std::nullopt);
    EXPECT_EQ(channel_room("socket.io-request#/#", "socket.io", "/"), std::nullopt);
    EXPECT_EQ(channel_room("other#/#", "socket.io", "/"), std::nullopt);
}

TEST(adapter_codec, emitter_to_one_room) {
    // emitter.to("user-1").emit("new-message", {...})
    check("emitter to user-1", make("emitter", event("new-message", message), {"user-1"}));
}

TEST(adapter_codec, emitter_to_everyone) {
    check("emitter all", make("emitter", event("typing", R"({"chat":"c-1","user":"u-2"})")));
    check("emitter no args", make("emitter", R"(["ping"])"));
}

TEST(adapter_codec, emitter_rooms_and_except) {
    // Two rooms: the namespace channel, not a room's.
    check("emitter to two rooms except",
          make("emitter", event("delete-message", R"({"id":"m-1"},2)"), {"user-1", "user-2"},
               {"user-3"}));
    check("emitter except only", make("emitter", event("update-message", message), {}, {"user-3"}));
}

TEST(adapter_codec, emitter_namespace_and_flags) {
    check("emitter nsp chat volatile",
          make("emitter", event("typing", R"({"chat":"c-1"})"), {"user-1"}, {},
               R"({"volatile":true,"compress":false})", "/chat"));
}

TEST(adapter_codec, emitter_numeric_room) {
    // emitter.to(42): the room travels as a number and names the channel "...#42#".
    check("emitter numeric room", make("emitter", R"(["ping"])", {"42"}));
}

TEST(adapter_codec, emitter_binary_arguments_become_attachments) {
    auto expected = make("emitter",
                         R"(["file",{"_placeholder":true,"num":0},)"
                         R"({"name":"a.bin","parts":[{"_placeholder":true,"num":1}]}])",
                         {"user-1"});
    expected.attachments = {std::string("\x00\x01\x02\xff", 4), "xy"};
    check("emitter binary", expected, "senna");
}

TEST(adapter_codec, adapter_broadcasts_byte_for_byte) {
    // A senna instance publishes what a Node server with the adapter publishes: same bytes.
    const auto& all = fixtures().at("broadcasts").as_object();
    for (const auto* name : {"adapter to user-1", "adapter all except"}) {
        SCOPED_TRACE(name);
        const std::string uid(all.at(name).as_object().at("uid").as_string());
        const broadcast b = decoded_broadcast(name);
        EXPECT_EQ(b.uid, uid);
        EXPECT_EQ(tohex(encode_broadcast(b)), tohex(fixture_bytes("broadcasts", name)));
    }
    const std::string uid(all.at("adapter to user-1").as_object().at("uid").as_string());
    const std::vector<std::string> rooms{"user-1"};
    EXPECT_EQ(tohex(encode_broadcast(uid, packet_type::event, "/",
                                     json(event("new-message", message)), rooms, {}, {})),
              tohex(fixture_bytes("broadcasts", "adapter to user-1")));
    check("adapter all except",
          make(std::string(all.at("adapter all except").as_object().at("uid").as_string()),
               event("typing", R"({"chat":"c-1"})"), {}, {"user-2"}, R"({"volatile":true})"));
}

TEST(adapter_codec, event_broadcast_is_the_general_encoding) {
    const auto payload = boost::json::parse(R"({"id":"m1","text":"hé \"x\"","n":[1,2.5,null]})");
    const std::vector<std::string> rooms{"user-1"}, except{"user-2"};
    boost::json::array data{"new-message", payload};
    EXPECT_EQ(tohex(encode_event_broadcast("abcdef", "/", "new-message", payload.as_object(), rooms,
                                           except)),
              tohex(encode_broadcast("abcdef", packet_type::event, "/", data, rooms, except)));
}

TEST(adapter_codec, emitter_key_order_differs_but_reads_the_same) {
    // The emitter writes opts as {rooms, flags, except}; we write the adapter's order.
    const broadcast b = decoded_broadcast("emitter to user-1");
    EXPECT_NE(encode_broadcast(b), fixture_bytes("broadcasts", "emitter to user-1"));
    EXPECT_EQ(*decode_broadcast(encode_broadcast(b)), b);
}

TEST(adapter_codec, attachments_go_out_as_bin_in_place) {
    const std::vector<std::string> attachments{"\x01\x02"};
    const std::vector<std::string> none;
    const auto bytes = encode_broadcast("abcdef", packet_type::event, "/",
                                        json(R"(["f",{"_placeholder":true,"num":0}])"), none, none,
                                        {}, attachments, 7);
    const auto b = decode_broadcast(bytes);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->attachments, attachments);
    EXPECT_EQ(b->id, 7u);
    EXPECT_NE(bytes.find("\xc4\x02\x01\x02"), std::string::npos);
}

TEST(adapter_codec, lenient_where_the_adapter_is) {
    // [uid, {type: 2, data: ["x"]}, {}]: nsp defaults to "/", rooms/except/flags to empty;
    // elements after opts are ignored.
    const auto b = decode_broadcast(unhex("94a175"
                                          "82a47479706502a46461746191a178"
                                          "80"
                                          "c0"));
    ASSERT_TRUE(b) << b.error().message();
    EXPECT_EQ(b->nsp, "/");
    EXPECT_TRUE(b->rooms.empty());
    EXPECT_TRUE(b->except.empty());
    EXPECT_TRUE(b->flags.empty());
    EXPECT_EQ(senna::socketio::to_json(b->data), R"(["x"])");
    // nil rooms, except, flags, nsp, id
    const auto n = decode_broadcast(unhex("93a175"
                                          "83a47479706502a36e7370c0a26964c0"
                                          "83a5726f6f6d73c0a6657863657074c0a5666c616773c0"));
    ASSERT_TRUE(n) << n.error().message();
    EXPECT_EQ(n->nsp, "/");
    EXPECT_FALSE(n->id);
}

TEST(adapter_codec, malformed_broadcasts) {
    using msgpack::error;
    refused("c0", error::invalid_broadcast);       // not an array
    refused("92a17580", error::invalid_broadcast); // two elements
    refused("930181a474797065028"
            "0",
            error::invalid_broadcast);                           // uid not a str
    refused("93a175c080", error::invalid_broadcast);             // packet not a map
    refused("93a17581a4747970650290", error::invalid_broadcast); // opts not a map
    refused("93a1758080", error::invalid_broadcast);             // no type
    refused("93a17581a474797065078"
            "0",
            error::invalid_broadcast); // type 7
    refused("93a17581a4747970650f"
            "80",
            error::invalid_broadcast);                                             // type 15
    refused("93a17581a474797065ff80", error::invalid_broadcast);                   // type -1
    refused("93a17582a47479706502a36e73700180", error::invalid_broadcast);         // nsp 1
    refused("93a17582a47479706502a26964ff80", error::invalid_broadcast);           // id -1
    refused("93a17581a4747970650281a5726f6f6d7391c3", error::invalid_broadcast);   // room true
    refused("93a17581a4747970650281a5726f6f6d73a178", error::invalid_broadcast);   // rooms "x"
    refused("93a17581a4747970650281a665786365707491c3", error::invalid_broadcast); // except [true]
    refused("93a17581a4747970650281a5666c61677390", error::invalid_broadcast);     // flags []
    refused("93a17581a47479706502", error::truncated);
    refused("93a175c1", error::invalid_type);
}

TEST(adapter_codec, every_fixture_truncated_is_refused) {
    for (const auto& [name, entry] : fixtures().at("broadcasts").as_object()) {
        const std::string bytes = unhex(entry.as_object().at("hex").as_string());
        for (std::size_t n = 0; n < bytes.size(); ++n)
            EXPECT_FALSE(decode_broadcast(std::string_view(bytes).substr(0, n)))
                << name << " cut at " << n;
    }
}

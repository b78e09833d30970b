// The streams adapter's entries (stream_codec.hpp) and the recovery session record
// (recovery_store.hpp), against what socket.io 4.8 with @socket.io/redis-streams-adapter 0.3.1
// writes. Expected strings made with Node's JSON.stringify and @msgpack/msgpack 2.8 (the
// adapter's own encoder), as noted at each.

#include "realtime/hub.hpp"
#include "realtime/recovery_store.hpp"
#include "realtime/stream_codec.hpp"
#include "socketio/json.hpp"
#include "socketio/socket.hpp"

#include <gtest/gtest.h>

using namespace senna;
using namespace senna::realtime;

TEST(StreamCodec, BroadcastEntryIsWhatTheAdapterWrites) {
    boost::json::object payload{{"id", "x"}, {"text", "\xc3\xa9\"\n"}, {"seq", 3}};
    const std::string room = "user-2";
    // JSON.stringify({packet:{type:2,data:["new-message",{id:"x",text:"é\"\n",seq:3}]},
    //                 opts:{rooms:["user-2"],except:[],flags:{}}})
    EXPECT_EQ(
        broadcast_entry_data("new-message", payload, std::span<const std::string>(&room, 1), {}),
        "{\"packet\":{\"type\":2,\"data\":[\"new-message\",{\"id\":\"x\",\"text\":"
        "\"\xc3\xa9\\\"\\n\",\"seq\":3}]},\"opts\":{\"rooms\":[\"user-2\"],\"except\":[],"
        "\"flags\":{}}}");
    EXPECT_EQ(broadcast_fields("abc", "/"),
              (std::vector<std::string>{"uid", "abc", "nsp", "/", "type", "3", "data"}));
    const std::vector<std::string> except{"user-1"};
    EXPECT_EQ(
        broadcast_entry_data("typing", {}, std::span<const std::string>(&room, 1), except, true),
        "{\"packet\":{\"type\":2,\"data\":[\"typing\",{}]},\"opts\":{\"rooms\":[\"user-2\"],"
        "\"except\":[\"user-1\"],\"flags\":{\"volatile\":true}}}");
}

TEST(StreamCodec, DecodesServerAndEmitterEntries) {
    // The emitter's order: nsp in the packet, opts rooms, flags, except.
    stream_entry e{"1-0", "emitter", "/", "3",
                   R"({"packet":{"type":2,"data":["announce",{"t":1}],"nsp":"/"},)"
                   R"("opts":{"rooms":["topic-x",42],"flags":{"volatile":true},"except":[]}})"};
    auto m = decode_entry(e);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->type, cluster_type::broadcast);
    EXPECT_EQ(m->rooms, (std::vector<std::string>{"topic-x", "42"}));
    EXPECT_TRUE(m->is_volatile());
    EXPECT_FALSE(m->id);
    auto f = replay_frame("/", std::move(*m), socketio::offset{1, 0});
    EXPECT_EQ(*f.text, "2[\"announce\",{\"t\":1},\"1-0\"]");
    EXPECT_EQ(f.at, (socketio::offset{1, 0}));
    EXPECT_FALSE(f.string_tail);

    stream_entry join{"2-0", "node", "/", "4",
                      R"({"opts":{"rooms":["user-2"],"except":[],"flags":{}},"rooms":["t"]})"};
    auto j = decode_entry(join);
    ASSERT_TRUE(j);
    EXPECT_EQ(j->type, cluster_type::sockets_join);
    EXPECT_EQ(j->target_rooms, std::vector<std::string>{"t"});
    stream_entry bye{"3-0", "node", "/", "6",
                     R"({"opts":{"rooms":["user-2"],"except":[],"flags":{}},"close":true})"};
    auto d = decode_entry(bye);
    ASSERT_TRUE(d);
    EXPECT_TRUE(d->close);

    // Binary: base64 of @msgpack/msgpack's encode of
    // {packet:{type:2,data:["bin",{b:Buffer.from([1,2,3])}],nsp:"/"},
    //  opts:{rooms:["r"],flags:{},except:["x"]}}
    stream_entry bin{"4-0", "emitter", "/", "3",
                     "gqZwYWNrZXSDpHR5cGUCpGRhdGGSo2JpboGhYsQDAQIDo25zcKEvpG9wdHODpXJvb21zkaFy"
                     "pWZsYWdzgKZleGNlcHSRoXg="};
    auto b = decode_entry(bin);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->attachments, std::vector<std::string>{std::string("\x01\x02\x03", 3)});
    EXPECT_EQ(b->except, std::vector<std::string>{"x"});
    auto bf = replay_frame("/", std::move(*b), socketio::offset{4, 0});
    EXPECT_EQ(*bf.text, "51-[\"bin\",{\"b\":{\"_placeholder\":true,\"num\":0}},\"4-0\"]");

    for (const char* bad : {"{}", "[1]", "{\"packet\":{\"type\":3,\"data\":[\"e\"]},\"opts\":{}}",
                            "{\"packet\":{\"type\":2,\"data\":[]},\"opts\":{}}", "!!", "{\"x"}) {
        stream_entry x{"5-0", "n", "/", "3", bad};
        EXPECT_FALSE(decode_entry(x)) << bad;
    }
    stream_entry unknown{"5-0", "n", "/", "7", "{}"};
    EXPECT_FALSE(decode_entry(unknown));
}

TEST(StreamCodec, WhoReceives) {
    const std::vector<std::string> mine{"sid", "user-2", "topic-a"};
    const std::vector<std::string> none;
    const std::vector<std::string> user2{"user-2"};
    const std::vector<std::string> other{"user-3"};
    const std::vector<std::string> topic{"topic-a"};
    EXPECT_TRUE(receives(mine, none, none));
    EXPECT_TRUE(receives(mine, user2, none));
    EXPECT_FALSE(receives(mine, other, none));
    EXPECT_FALSE(receives(mine, user2, topic));
    EXPECT_FALSE(receives(mine, none, user2));
}

TEST(RecoverySession, RecordRoundTripAndHead) {
    socketio::session s{"AAAAAAAAAAAAAAAAAAAA",
                        "PPPPPPPPPPPPPPPPPPPP",
                        {"user-2", "topic-a"},
                        boost::json::object{{"user_id", 2}, {"exp", 1800000000}}};
    const std::string record = encode_session(s, 0x0123456789abcdefULL);
    const std::string head = session_head(0x0123456789abcdefULL);
    EXPECT_EQ(head.size(), 28u);
    EXPECT_EQ(record.rfind(head, 0), 0u) << "the head depends on the tag alone";
    EXPECT_NE(session_head(1), head);
    auto back = decode_session(record);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->sid, s.sid);
    EXPECT_EQ(back->pid, s.pid);
    EXPECT_EQ(back->rooms, s.rooms) << "its own id is left out";
    EXPECT_EQ(back->data, s.data);

    // A session a Node server on the adapter persisted: base64 of @msgpack/msgpack's encode of
    // {sid, pid, rooms: [sid, "user-2", "topic-é"], data: {user_id: 2, exp: 1800000000}}.
    auto node = decode_session(
        "hKNzaWS0QUFBQUFBQUFBQUFBQUFBQUFBQUGjcGlktFBQUFBQUFBQUFBQUFBQUFBQUFBQpXJvb21zk7RBQUFBQUFB"
        "QUFBQUFBQUFBQUFBQaZ1c2VyLTKodG9waWMtw6mkZGF0YYKndXNlcl9pZAKjZXhwzmtJ0gA=");
    ASSERT_TRUE(node);
    EXPECT_EQ(node->sid, "AAAAAAAAAAAAAAAAAAAA");
    EXPECT_EQ(node->rooms, (std::vector<std::string>{"user-2", "topic-\xc3\xa9"}));
    EXPECT_EQ(node->data, (boost::json::object{{"user_id", 2}, {"exp", 1800000000}}));

    EXPECT_FALSE(decode_session("not base64!"));
    EXPECT_FALSE(decode_session("AAAA"));
}

// A chat event prepared once (hub::prepare): the log entry's JSON, the classic PUBLISH and the
// local frame, with holes only where the payload holds placeholders, never inside a string that
// happens to hold the same digits.
TEST(HubPrepare, HolesOutsideStringsOnly) {
    hub_settings s;
    s.adapter_prefix = "P";
    s.stream = "P";
    s.instance_id = "I";
    s.offsets = true;
    hub h(s);
    chat::chat_ref topic;
    topic.type = chat::target::topic;
    topic.other = chat::id{"general", false};
    const auto seq = hub::placeholder(chat::slot::seq);
    const std::string digits = socketio::to_json(seq);
    boost::json::object payload{{"id", "m"}, {"text", digits + " \\\" " + digits}, {"seq", seq}};
    payload["rev"] = hub::placeholder(chat::slot::rev);
    // The topic's room and its payload as api/deliveries.cpp shapes them (with `chat`).
    payload["chat"] = boost::json::object{{"type", "topic"}, {"id", topic.other.to_json()}};
    const std::vector<delivery> to{{"topic-general", payload, {}}};
    auto e = h.prepare("update-message", to);
    ASSERT_EQ(e.rooms, std::vector<std::string>{"topic-general"});
    ASSERT_EQ(e.frames.size(), 1u);
    const auto& f = e.frames[0];
    EXPECT_EQ(f.slots, (std::vector<chat::slot>{chat::slot::seq_text, chat::slot::rev_text}));
    EXPECT_EQ(f.pieces[0], "[\"update-message\",{\"id\":\"m\",\"text\":\"" + digits + " \\\\\\\" " +
                               digits + "\",\"seq\":");
    EXPECT_EQ(f.pieces[1], ",\"rev\":");
    EXPECT_EQ(f.pieces[2], ",\"chat\":{\"type\":\"topic\",\"id\":\"general\"}}]");
    ASSERT_EQ(e.publications.size(), 1u);
    const auto& p = e.publications[0];
    EXPECT_EQ(p.log, "P");
    EXPECT_EQ(p.fields, (std::vector<std::string>{"uid", "I", "nsp", "/", "type", "3", "data"}));
    EXPECT_EQ(p.entry.slots, f.slots);
    EXPECT_EQ(p.entry.pieces[0], "{\"packet\":{\"type\":2,\"data\":" + f.pieces[0]);
    EXPECT_EQ(p.entry.pieces[2], f.pieces[2] + "},\"opts\":{\"rooms\":[\"topic-general\"],"
                                               "\"except\":[],\"flags\":{}}}");
    EXPECT_EQ(p.channel, "P#/#topic-general#");
    // The PUBLISH: seq and rev as MessagePack, then the entry's id, flagged as logged.
    EXPECT_EQ(p.bytes.slots,
              (std::vector<chat::slot>{chat::slot::seq, chat::slot::rev, chat::slot::offset}));
    EXPECT_NE(p.bytes.pieces.back().find("logged"), std::string::npos);
}

// Two prepared events alike: rooms, excepts, frames, and each publication's entry, channel and
// PUBLISH bytes (pieces and slots), for two rooms.
void expect_same_event(const hub::prepared_event& x, const hub::prepared_event& y) {
    EXPECT_EQ(x.rooms, y.rooms);
    EXPECT_EQ(x.excepts, y.excepts);
    ASSERT_EQ(x.frames.size(), 2u);
    ASSERT_EQ(y.frames.size(), 2u);
    ASSERT_EQ(x.publications.size(), 2u);
    ASSERT_EQ(y.publications.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(x.frames[i].pieces, y.frames[i].pieces);
        EXPECT_EQ(x.frames[i].slots, y.frames[i].slots);
        EXPECT_EQ(x.publications[i].entry.pieces, y.publications[i].entry.pieces);
        EXPECT_EQ(x.publications[i].entry.slots, y.publications[i].entry.slots);
        EXPECT_EQ(x.publications[i].channel, y.publications[i].channel);
        EXPECT_EQ(x.publications[i].bytes.pieces, y.publications[i].bytes.pieces);
        EXPECT_EQ(x.publications[i].bytes.slots, y.publications[i].bytes.slots);
    }
}

// The same event given as text (hub::prepare_text, what a send or an edit gives): the same
// frames, log entries and publications. The redis adapter's PUBLISH encodes MessagePack from an
// object: a hub that publishes now parses the texts for it (takes_text says so beforehand); the
// streams adapter's hub takes them as they are.
TEST(HubPrepare, TextPayloadsPrepareWhatObjectsDo) {
    const auto seq = hub::placeholder(chat::slot::seq);
    const std::string digits = socketio::to_json(seq);
    boost::json::object payload{{"id", "m"}, {"text", digits + " \\\" " + digits}, {"seq", seq}};
    payload["rev"] = hub::placeholder(chat::slot::rev);
    std::string open = socketio::to_json(payload);
    open.pop_back(); // the closing brace: each room's tail has its `chat`, then closes
    auto to_7 = payload, to_9 = payload;
    to_7["chat"] = boost::json::object{{"type", "user"}, {"id", 9}};
    to_9["chat"] = boost::json::object{{"type", "user"}, {"id", "seven"}};
    const std::vector<delivery> objects{{"user-7", to_7, {"user-9"}}, {"user-9", to_9, {}}};
    const text_event texts{open,
                           {{"user-7", R"(,"chat":{"type":"user","id":9}})", {"user-9"}},
                            {"user-9", R"(,"chat":{"type":"user","id":"seven"}})", {}}},
                           std::nullopt};
    // The same with the placeholders' places given (as the splice knows them): not searched for.
    auto placed = texts;
    placed.holes =
        std::vector<text_event::hole>{{open.find(R"("seq":)") + 6, chat::slot::seq_text},
                                      {open.find(R"("rev":)") + 6, chat::slot::rev_text}};
    for (auto mode : {adapter_mode::redis, adapter_mode::redis_streams}) {
        hub_settings s;
        s.adapter_prefix = "P";
        s.stream = "P";
        s.instance_id = "I";
        s.offsets = true;
        s.mode = mode;
        hub h(s);
        EXPECT_EQ(h.takes_text(false), mode != adapter_mode::redis);
        const auto a = h.prepare("update-message", objects);
        const auto b = h.prepare_text("update-message", texts);
        const auto c = h.prepare_text("update-message", placed);
        expect_same_event(a, b);
        expect_same_event(c, b);
        // The PUBLISH is there in the redis mode only (MessagePack, from the parsed text).
        EXPECT_EQ(b.publications[0].channel.empty(), mode != adapter_mode::redis);
        EXPECT_EQ(b.publications[0].bytes.slots.size(), mode == adapter_mode::redis ? 3u : 0u);
    }
}

// The Socket.IO server API over in-process polling requests: no sockets, one io_context run by
// the test. Covers the connect hook, events and acks both ways, rooms, broadcast encoded once,
// the cross-shard cluster, and disconnect reasons.

#include "engineio/server.hpp"
#include "http/query.hpp"
#include "socketio/json.hpp"
#include "socketio/server.hpp"
#include "support/memory_session_store.hpp"
#include "support/polling.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>
#include <optional>

using namespace senna;

namespace {

struct harness {
    harness() = default;
    explicit harness(socketio::server_settings s) : io{eio, std::move(s)} {}
    net::asio::io_context ioc{1};
    net::timer_wheel wheel{ioc.get_executor()};
    websocket::shard_context ws{ioc, wheel};
    engineio::metrics metrics;
    engineio::server eio{ws, engineio::settings{}, metrics};
    socketio::server io{eio};

    // One polling request, run to completion (or until 200 ms pass for a held GET).
    std::optional<http::response> call(http::verb method, const std::string& target,
                                       std::string body = {}) {
        return test::polling_call(ioc, eio, method, target, std::move(body),
                                  std::chrono::milliseconds(200));
    }

    std::string open() {
        auto res = call(http::verb::get, "/socket.io/?EIO=4&transport=polling");
        EXPECT_TRUE(res);
        auto v = boost::json::parse(res->body().substr(1));
        return std::string(v.at("sid").as_string());
    }
    void post(const std::string& sid, std::string body) {
        auto res = call(http::verb::post, "/socket.io/?EIO=4&transport=polling&sid=" + sid,
                        std::move(body));
        ASSERT_TRUE(res);
        EXPECT_EQ(res->body(), "ok");
    }
    std::string poll(const std::string& sid) {
        auto res = call(http::verb::get, "/socket.io/?EIO=4&transport=polling&sid=" + sid);
        return res ? res->body() : std::string("<pending>");
    }
};

} // namespace

TEST(SocketioServer, ConnectEventsAcksAndDisconnectReason) {
    harness h;
    std::string reason;
    socketio::socket* seen = nullptr;
    h.io.of("/").on_connection([&](socketio::socket& s) {
        seen = &s;
        s.on("hello", [&s](socketio::event& ev, socketio::ack_fn ack) {
            EXPECT_TRUE(ack.wanted());
            ack(ev.args);
            s.emit("hi", boost::json::array{1});
        });
        s.on_disconnect([&](std::string_view r) { reason = r; });
    });
    auto sid = h.open();
    h.post(sid, "40{\"token\":\"t\"}");
    ASSERT_NE(seen, nullptr);
    EXPECT_EQ(seen->auth().at("token").as_string(), "t");
    auto connected = h.poll(sid);
    EXPECT_EQ(connected.rfind("40{\"sid\":\"" + seen->id() + "\"}", 0), 0u) << connected;
    h.post(sid, "425[\"hello\",\"x\"]");
    EXPECT_EQ(h.poll(sid), "435[\"x\"]\x1e"
                           "42[\"hi\",1]");

    // server -> client ack
    std::optional<std::string> answer;
    seen->emit_with_ack("q", {}, [&](boost::system::error_code ec, socketio::event& ev) {
        answer = ec ? std::string("error") : std::string(ev.args.at(0).as_string());
    });
    EXPECT_EQ(h.poll(sid), "420[\"q\"]");
    h.post(sid, "430[\"yes\"]");
    EXPECT_EQ(answer, "yes");

    h.post(sid, "41");
    EXPECT_EQ(reason, "client namespace disconnect");
}

TEST(SocketioServer, HookRefusesWithData) {
    harness h;
    h.io.of("/admin").use([](socketio::socket&) -> net::awaitable<socketio::connect_verdict> {
        co_return socketio::refuse("no", boost::json::value(7));
    });
    auto sid = h.open();
    h.post(sid, "40/admin,");
    EXPECT_EQ(h.poll(sid), "44/admin,{\"message\":\"no\",\"data\":7}");
    h.post(sid, "40/nope,");
    EXPECT_EQ(h.poll(sid), "44/nope,{\"message\":\"Invalid namespace\"}");
}

TEST(SocketioServer, RoomBroadcastIsEncodedOnceAndSkipsExceptions) {
    harness h;
    std::vector<socketio::socket*> sockets;
    h.io.of("/").on_connection([&](socketio::socket& s) { sockets.push_back(&s); });
    std::vector<std::string> sids;
    for (int i = 0; i < 3; ++i) {
        sids.push_back(h.open());
        h.post(sids.back(), "40");
        h.poll(sids.back());
    }
    ASSERT_EQ(sockets.size(), 3u);
    sockets[0]->join("red");
    sockets[1]->join("red");
    sockets[1]->join("muted");
    sockets[2]->join("red");
    auto n = h.io.of("/").to("red").except("muted").emit("m", boost::json::array{"x"});
    EXPECT_EQ(n, 2u);
    // The two receivers hold the same encoded text.
    auto a = h.eio.find(sids[0]);
    auto c = h.eio.find(sids[2]);
    ASSERT_TRUE(a && c);
    EXPECT_EQ(h.poll(sids[0]), "42[\"m\",\"x\"]");
    EXPECT_EQ(h.poll(sids[2]), "42[\"m\",\"x\"]");
    EXPECT_EQ(sockets[1]->to("red").emit("from1"), 2u); // everyone in red but the sender

    // cluster: posted to the shard, delivered when it runs
    socketio::cluster all({&h.io});
    all.of("/").to("muted").emit("c", boost::json::array{true});
    EXPECT_EQ(h.poll(sids[1]), "42[\"c\",true]");
}

TEST(SocketioServer, CensusSaysWhichRoomsMayHaveMembers) {
    harness h;
    socketio::cluster all({&h.io}); // before the first connection, as the hub builds it
    std::vector<std::string> red{"red"}, none{};
    EXPECT_FALSE(all.may_reach("red"));
    EXPECT_FALSE(all.may_reach(red));
    EXPECT_TRUE(all.may_reach(none)); // a broadcast to everyone
    socketio::socket* s = nullptr;
    std::string reason;
    h.io.of("/").on_connection([&](socketio::socket& sock) {
        s = &sock;
        sock.on_disconnect([&](std::string_view r) { reason = r; });
    });
    auto sid = h.open();
    h.post(sid, "40");
    h.poll(sid);
    ASSERT_NE(s, nullptr);
    const std::string id = s->id();
    EXPECT_TRUE(all.may_reach(id)); // a socket's own room
    s->join("red");
    s->join("red");
    EXPECT_TRUE(all.may_reach(red));
    s->leave("red");
    EXPECT_FALSE(all.may_reach("red"));
    s->join("red");
    h.post(sid, "41");
    EXPECT_EQ(reason, "client namespace disconnect");
    EXPECT_FALSE(all.may_reach("red")); // gone with the socket
    EXPECT_FALSE(all.may_reach(id));
}

TEST(SocketioServer, ClustersOverTheSameShardsShareOneCensus) {
    // The hub's cluster is made first, the Admin UI's over the same servers after it: the
    // second must not give the shards a census the first never reads.
    harness h;
    socketio::cluster hub_side({&h.io});
    socketio::cluster admin_side({&h.io});
    socketio::socket* s = nullptr;
    h.io.of("/").on_connection([&](socketio::socket& sock) { s = &sock; });
    auto sid = h.open();
    h.post(sid, "40");
    h.poll(sid);
    ASSERT_NE(s, nullptr);
    s->join("user-7");
    EXPECT_TRUE(hub_side.may_reach("user-7"));
    EXPECT_TRUE(admin_side.may_reach("user-7"));
    EXPECT_FALSE(hub_side.may_reach("user-8"));
}

TEST(SocketioServer, FrameIsSharedNotCopied) {
    socketio::packet p;
    p.data = boost::json::array{"e", 1};
    auto f = socketio::encode_frame(p);
    auto copy = f; // what each receiver's outbox holds
    EXPECT_EQ(f.text.get(), copy.text.get());
    EXPECT_EQ(*f.text, "2[\"e\",1]");
}

TEST(EngineioServer, ShardOfSid) {
    EXPECT_EQ(engineio::shard_of("AB123"), 1u);
    EXPECT_EQ(engineio::shard_of("BA123"), 64u);
    EXPECT_FALSE(engineio::shard_of("A"));
    EXPECT_FALSE(engineio::shard_of("!!x"));
}

// Connection state recovery (socketio/recovery.hpp) with the in-memory store: a pid in every
// CONNECT answer, offsets on logged events, the last one appended to an unlogged event with a
// string tail, a session kept across a transport close and restored once with what it missed
// (before the CONNECT answer, with the old id).
TEST(SocketioRecovery, PidOffsetsRestoreOnceWithWhatWasMissed) {
    test_support::memory_session_store store;
    socketio::server_settings ss;
    ss.recovery.window = std::chrono::milliseconds(120000);
    ss.recovery.store = &store;
    harness h(ss);
    int connections = 0;
    auto& ns = h.io.of("/");
    ns.on_connection([&](socketio::socket& s) {
        ++connections;
        s.join("r");
    });
    ns.session_data([](const socketio::socket&) { return boost::json::value("who"); });
    std::string restored_with;
    ns.on_restore([&](socketio::socket&, const boost::json::value& d) {
        restored_with = socketio::to_json(d);
        return true;
    });

    auto sid = h.open();
    h.post(sid, "40");
    const auto reply = h.poll(sid);
    ASSERT_EQ(reply.rfind("40{", 0), 0u) << reply;
    const auto hello = boost::json::parse(reply.substr(2)).as_object();
    const std::string id(hello.at("sid").as_string());
    const std::string pid(hello.at("pid").as_string());
    EXPECT_EQ(pid.size(), 20u);
    auto kept = store.peek(pid);
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->sid, id);
    EXPECT_EQ(kept->rooms, std::vector<std::string>{"r"});
    EXPECT_EQ(kept->data, boost::json::value("who"));

    // A logged event carries its offset; an unlogged one whose last argument is a string gets
    // the socket's last offset after it; one without a string tail goes as it is.
    const auto at1 = store.append({"r"}, "/", "ev", {{"n", 1}});
    h.io.of("/").deliver(socketio::encode_event_frame("/", "ev", {{"n", 1}}, at1), {"r"}, {},
                         nullptr);
    h.io.of("/").to("r").emit("plain", boost::json::array{"text"});
    h.io.of("/").to("r").emit("plain", boost::json::array{1});
    EXPECT_EQ(h.poll(sid), "42[\"ev\",{\"n\":1},\"1001-0\"]\x1e"
                           "42[\"plain\",\"text\",\"1001-0\"]\x1e"
                           "42[\"plain\",1]");

    // The transport closes: the session stays. Meanwhile the log grows.
    h.post(sid, "1");
    EXPECT_TRUE(store.has(pid));
    store.append({"r"}, "/", "ev", {{"n", 2}});
    store.append({"elsewhere"}, "/", "ev", {{"n", 0}});
    store.append({id}, "/", "ev", {{"n", 3}});

    auto sid2 = h.open();
    h.post(sid2, "40{\"pid\":\"" + pid + "\",\"offset\":\"" + at1.text() + "\",\"token\":\"t\"}");
    EXPECT_EQ(h.poll(sid2), "42[\"ev\",{\"n\":2},\"1002-0\"]\x1e"
                            "42[\"ev\",{\"n\":3},\"1004-0\"]\x1e"
                            "40{\"sid\":\"" +
                                id + "\",\"pid\":\"" + pid + "\"}");
    EXPECT_EQ(restored_with, "\"who\"");
    EXPECT_EQ(connections, 2);
    ASSERT_TRUE(store.peek(pid)); // kept again, by the new connection
    EXPECT_EQ(store.peek(pid)->rooms, std::vector<std::string>{"r"});

    // The same pid again while that connection is up (it may be one whose drop its server has
    // not noticed yet): the new connection takes the session over, with the same id, and the
    // old one's close later leaves it alone.
    auto sid3 = h.open();
    h.post(sid3, "40{\"pid\":\"" + pid + "\",\"offset\":\"" + at1.text() + "\"}");
    EXPECT_EQ(h.poll(sid3), "42[\"ev\",{\"n\":2},\"1002-0\"]\x1e"
                            "42[\"ev\",{\"n\":3},\"1004-0\"]\x1e"
                            "40{\"sid\":\"" +
                                id + "\",\"pid\":\"" + pid + "\"}");
    h.post(sid2, "41"); // a close that would drop the session, were it still its own
    EXPECT_TRUE(store.has(pid));
    const auto at5 = store.append({"r"}, "/", "ev", {{"n", 5}});
    h.io.of("/").deliver(socketio::encode_event_frame("/", "ev", {{"n", 5}}, at5), {"r"}, {},
                         nullptr);
    EXPECT_EQ(h.poll(sid3), "42[\"ev\",{\"n\":5},\"1005-0\"]");

    // An offset the log does not have, or an unknown pid: fresh, never an error.
    h.post(sid3, "1"); // kept for the window
    auto sid4 = h.open();
    h.post(sid4, "40{\"pid\":\"" + pid + "\",\"offset\":\"7-7\"}");
    const auto fourth = boost::json::parse(h.poll(sid4).substr(2)).as_object();
    EXPECT_NE(fourth.at("sid").as_string(), id);
    EXPECT_NE(fourth.at("pid").as_string(), pid);
    EXPECT_FALSE(store.has(pid)); // spent all the same, as the reference's GETDEL
    auto sid5 = h.open();
    h.post(sid5, "40{\"pid\":\"nobody\",\"offset\":\"" + at1.text() + "\"}");
    EXPECT_EQ(h.poll(sid5).rfind("40{\"sid\":", 0), 0u);
}

TEST(SocketioRecovery, ClientThatLeavesTakesItsSession) {
    test_support::memory_session_store store;
    socketio::server_settings ss;
    ss.recovery.window = std::chrono::milliseconds(1000);
    ss.recovery.store = &store;
    harness h(ss);
    h.io.of("/");
    auto sid = h.open();
    h.post(sid, "40");
    const auto pid = std::string(boost::json::parse(h.poll(sid).substr(2)).at("pid").as_string());
    EXPECT_TRUE(store.has(pid));
    h.post(sid, "41"); // client namespace disconnect: not recoverable
    EXPECT_FALSE(store.has(pid));
}

TEST(SocketioRecovery, OffsetText) {
    EXPECT_EQ(socketio::offset::parse("1733480000000-12")->text(), "1733480000000-12");
    EXPECT_FALSE(socketio::offset::parse("1-"));
    EXPECT_FALSE(socketio::offset::parse("-1"));
    EXPECT_FALSE(socketio::offset::parse("1-2-3"));
    EXPECT_FALSE(socketio::offset::parse("a-1"));
    EXPECT_FALSE(socketio::offset::parse("99999999999999999999999-1"));
    EXPECT_LT(*socketio::offset::parse("9-10"), *socketio::offset::parse("10-0"));
    EXPECT_LT(*socketio::offset::parse("10-2"), *socketio::offset::parse("10-10"));
}

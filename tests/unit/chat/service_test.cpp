// chat::service in process, over a real redis-server each test starts: the use cases of SPEC §3
// and the conversation log (docs/api.md), checked by what they answer and by the exact Redis
// keys and values they leave (SPEC §4, docs/storage.md). No socket, no HTTP: what the REST and
// Socket.IO edges add is tested by the integration suite.

#include "chat/profile_store.hpp"
#include "chat/service.hpp"
#include "net/spawn.hpp"
#include "redis/connection.hpp"
#include "support/async_test.hpp"
#include "support/redis_server.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>
#include <string>

namespace senna::chat {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using test::redis_server;
using test::run_async;

const std::string base = "senna-sockets:messages:myplatform:";

// One redis-server, one connection and one service, on the test thread.
struct fixture {
    redis_server server;
    net::asio::io_context ioc;
    redis::connection conn;
    service svc;
    id ann = *id::parse("1"), bob = *id::parse("2"), cid = *id::parse("3");

    static redis::endpoint endpoint_of(const redis_server& s) {
        redis::endpoint ep;
        ep.port = s.port();
        return ep;
    }
    fixture()
        : conn(ioc.get_executor(), endpoint_of(server),
               [] {
                   redis::connection_options o;
                   o.name = "chat-test";
                   o.connect_timeout = 1s;
                   return o;
               }()),
          svc(conn, keys("senna-sockets", "myplatform"), limits{}) {
        conn.start();
        run_async(ioc, [this]() -> net::awaitable<void> {
            CO_ASSERT_TRUE(co_await test::wait_until([this] { return conn.connected(); }));
        });
    }
    ~fixture() { conn.stop(); }

    std::string redis(std::initializer_list<std::string_view> args) const {
        return server.command(args);
    }
    chat_ref dm(const id& me, const id& other) const { return svc.key_space().dm(me, other); }
};

json::object body(std::string_view text) {
    return json::parse(text).as_object();
}

TEST(chat_service, a_dm_send_writes_the_seed_keys_and_the_log) {
    fixture f;
    std::optional<outcome<change>> sent;
    run_async(f.ioc, [&]() -> net::awaitable<void> {
        sent.emplace(co_await f.svc.send(f.ann, f.dm(f.ann, f.bob),
                                         body(R"({"type":"text","text":"hello"})")));
    });
    ASSERT_TRUE(sent && *sent) << (sent ? describe(sent->failure().code) : "not run");
    const change& c = **sent;
    EXPECT_EQ(c.msg.seq, 1u);
    EXPECT_FALSE(c.duplicate);
    const std::string id(c.msg.id());
    const std::string chat = base + "dm:1-2";

    // SPEC §4: the list holds the id; the hash holds the seed's JSON, byte for byte.
    EXPECT_EQ(f.redis({"LRANGE", chat, "0", "-1"}), id);
    const std::string stored = f.redis({"HGET", chat + ":data", id});
    const json::object o = json::parse(stored).as_object();
    ASSERT_TRUE(o.contains("timestamp") && o.at("timestamp").is_string()) << stored;
    // The seed's fields in the seed's order; a numeric id stays a number; no seq inside.
    EXPECT_EQ(stored, R"({"id":")" + id + R"(","author":1,"timestamp":")" +
                          std::string(o.at("timestamp").as_string()) +
                          R"(","type":"text","text":"hello"})");
    // Both inboxes, scored with the same time; the sender's activity.
    const std::string score = f.redis({"ZSCORE", base + "inbox:1", "user-2"});
    EXPECT_NE(score, "(nil)");
    EXPECT_EQ(f.redis({"ZSCORE", base + "inbox:2", "user-1"}), score);
    EXPECT_NE(f.redis({"HGET", base + "activity:1", "last_active"}), "(nil)");
    // The log (docs/storage.md): seq, id -> seq, the author's index; no change counted yet.
    EXPECT_EQ(f.redis({"GET", chat + ":seq"}), "1");
    EXPECT_EQ(f.redis({"ZSCORE", chat + ":seqs", id}), "1");
    EXPECT_EQ(f.redis({"ZRANGE", chat + ":authors", "0", "-1"}), "1:0000000000000001");
    EXPECT_EQ(f.redis({"EXISTS", chat + ":rev"}), "0");
}

TEST(chat_service, a_repeated_client_msg_id_answers_the_first_message_and_writes_nothing) {
    fixture f;
    std::optional<outcome<change>> first, again;
    run_async(f.ioc, [&]() -> net::awaitable<void> {
        const auto chat = f.dm(f.ann, f.bob);
        first.emplace(co_await f.svc.send(
            f.ann, chat, body(R"({"type":"text","text":"once","client_msg_id":"c-1"})")));
        again.emplace(co_await f.svc.send(
            f.ann, chat, body(R"({"type":"text","text":"twice","client_msg_id":"c-1"})")));
    });
    ASSERT_TRUE(first && *first && again && *again);
    EXPECT_FALSE((*first)->duplicate);
    EXPECT_TRUE((*again)->duplicate);
    EXPECT_EQ((*again)->msg.id(), (*first)->msg.id());
    EXPECT_EQ((*again)->msg.seq, 1u);
    EXPECT_EQ((*again)->msg.json.at("text").as_string(), "once");
    EXPECT_EQ(f.redis({"LLEN", base + "dm:1-2"}), "1");
    EXPECT_EQ(f.redis({"GET", base + "dm:1-2:seq"}), "1");
    const std::string record = f.redis({"GET", base + "dm:1-2:cmid:1:c-1"});
    EXPECT_EQ(record.rfind("1:", 0), 0u) << record;
    const auto ttl = std::stol(f.redis({"TTL", base + "dm:1-2:cmid:1:c-1"}));
    EXPECT_GT(ttl, 0);
    EXPECT_LE(ttl, client_msg_id_ttl_seconds);
}

TEST(chat_service, bad_input_is_refused_before_anything_is_written) {
    fixture f;
    EXPECT_EQ(f.svc.resolve(f.ann, "user", "1").failure().code, error::self_message);
    EXPECT_EQ(f.svc.resolve(f.ann, "group", "2").failure().code, error::invalid_target);
    std::vector<error> codes;
    run_async(f.ioc, [&]() -> net::awaitable<void> {
        const auto chat = f.dm(f.ann, f.bob);
        for (const char* b : {R"({"type":"text"})", R"({"type":"video","text":"x"})",
                              R"({"type":"text","text":"x","client_msg_id":"a b"})"}) {
            auto r = co_await f.svc.send(f.ann, chat, body(b));
            codes.push_back(r ? error{} : r.failure().code);
        }
    });
    EXPECT_EQ(codes, (std::vector<error>{error::missing_content, error::invalid_type,
                                         error::invalid_client_msg_id}));
    EXPECT_EQ(f.redis({"KEYS", "*"}), "");
}

TEST(chat_service, cursor_pages_walk_the_log_by_seq) {
    fixture f;
    std::optional<outcome<cursor_page>> newest, older, after;
    run_async(f.ioc, [&]() -> net::awaitable<void> {
        const auto chat = f.dm(f.ann, f.bob);
        const auto other_side = f.dm(f.bob, f.ann);
        for (int i = 1; i <= 5; ++i) {
            // (no conditional temporaries inside a co_await: GCC 12, tools/check_pitfalls.sh)
            const id& author = i % 2 ? f.ann : f.bob;
            const chat_ref& side = i % 2 ? chat : other_side;
            const json::object b =
                body(R"({"type":"text","text":"m)" + std::to_string(i) + R"("})");
            auto r = co_await f.svc.send(author, side, b);
            CO_ASSERT_TRUE(r);
        }
        cursor_request req;
        req.at = cursor_request::newest;
        req.limit = 2;
        newest.emplace(co_await f.svc.history(chat, req));
        req.at = 4;
        older.emplace(co_await f.svc.history(chat, req));
        req.dir = cursor_request::direction::after;
        req.at = 3;
        req.limit = 10;
        after.emplace(co_await f.svc.history(chat, req));
    });
    ASSERT_TRUE(newest && *newest && older && *older && after && *after);
    auto texts = [](const cursor_page& p) {
        std::string out;
        for (const auto& m : p.messages)
            out += std::string(m.json.at("text").as_string()) + "@" + std::to_string(m.seq) + " ";
        return out;
    };
    EXPECT_EQ(texts(**newest), "m4@4 m5@5 ");
    EXPECT_EQ((*newest)->state.total, 5u);
    EXPECT_TRUE((*newest)->state.has_more);
    EXPECT_EQ((*newest)->state.prev, std::optional<std::uint64_t>(4));
    EXPECT_EQ((*newest)->state.next, std::nullopt);
    EXPECT_EQ(texts(**older), "m2@2 m3@3 ");
    EXPECT_EQ(texts(**after), "m4@4 m5@5 ");
    EXPECT_FALSE((*after)->state.has_more);
}

TEST(chat_service, edits_and_deletes_count_revisions_and_keep_authorship) {
    fixture f;
    std::optional<outcome<change>> edited, foreign_edit, removed;
    run_async(f.ioc, [&]() -> net::awaitable<void> {
        const auto chat = f.dm(f.ann, f.bob);
        auto sent = co_await f.svc.send(f.ann, chat, body(R"({"type":"text","text":"v1"})"));
        CO_ASSERT_TRUE(sent);
        const std::string id(sent->msg.id());
        edited.emplace(co_await f.svc.update(f.ann, chat, id, body(R"({"text":"v2"})")));
        foreign_edit.emplace(
            co_await f.svc.update(f.bob, f.dm(f.bob, f.ann), id, body(R"({"text":"v3"})")));
        removed.emplace(co_await f.svc.remove(f.ann, chat, id));
    });
    ASSERT_TRUE(edited && *edited);
    EXPECT_EQ((*edited)->rev, 1u);
    EXPECT_EQ((*edited)->msg.json.at("text").as_string(), "v2");
    EXPECT_TRUE((*edited)->msg.json.contains("edited"));
    ASSERT_TRUE(foreign_edit && !*foreign_edit);
    EXPECT_EQ(foreign_edit->failure().code, error::forbidden_edit);
    ASSERT_TRUE(removed && *removed);
    EXPECT_EQ((*removed)->rev, 2u);
    EXPECT_EQ(f.redis({"GET", base + "dm:1-2:rev"}), "2");
    EXPECT_EQ(f.redis({"LLEN", base + "dm:1-2"}), "0");
    EXPECT_EQ(f.redis({"HLEN", base + "dm:1-2:data"}), "0");
    EXPECT_EQ(f.redis({"GET", base + "dm:1-2:seq"}), "1"); // a seq is never reused
}

TEST(chat_service, read_cursors_move_forward_only_and_stop_at_the_last_seq) {
    fixture f;
    std::vector<read_state> states;
    std::optional<outcome<unread_summary>> unread;
    run_async(f.ioc, [&]() -> net::awaitable<void> {
        const auto ann_side = f.dm(f.ann, f.bob), bob_side = f.dm(f.bob, f.ann);
        for (int i = 0; i < 3; ++i)
            CO_ASSERT_TRUE(
                co_await f.svc.send(f.ann, ann_side, body(R"({"type":"text","text":"x"})")));
        for (std::optional<std::uint64_t> seq :
             {std::optional<std::uint64_t>(2), std::optional<std::uint64_t>(1),
              std::optional<std::uint64_t>(99)}) {
            auto r = co_await f.svc.read(f.bob, bob_side, seq);
            CO_ASSERT_TRUE(r);
            states.push_back(*r);
        }
        CO_ASSERT_TRUE(co_await f.svc.send(f.ann, ann_side, body(R"({"type":"text","text":"y"})")));
        unread.emplace(co_await f.svc.unread(f.bob));
    });
    ASSERT_EQ(states.size(), 3u);
    EXPECT_EQ(states[0].read_seq, 2u);
    EXPECT_EQ(states[0].unread, 1u);
    EXPECT_TRUE(states[0].moved);
    EXPECT_EQ(states[1].read_seq, 2u); // backwards: unchanged
    EXPECT_FALSE(states[1].moved);
    EXPECT_EQ(states[2].read_seq, 3u); // clamped to the last seq
    EXPECT_EQ(states[2].unread, 0u);
    EXPECT_EQ(f.redis({"HGET", base + "dm:1-2:read", "2"}), "3");
    ASSERT_TRUE(unread && *unread);
    EXPECT_EQ((*unread)->total, 1u);
    ASSERT_EQ((*unread)->chats.size(), 1u);
    EXPECT_EQ((*unread)->chats[0].chat_id.text, "1");
    EXPECT_EQ((*unread)->chats[0].read_seq, 3u);
}

// A page assembled as text (the history page) takes the profiles as text: the stored text itself
// where serialising it parsed writes it again, else what users() gives, serialised.
TEST(chat_profile_store, user_texts_are_what_users_serialises) {
    fixture f;
    const keys k("senna-sockets", "myplatform");
    profile_store store(f.conn, k);
    std::vector<id> ids;
    for (const char* n : {"5", "6", "7", "8", "9", "10"})
        ids.push_back(*id::parse(n));
    const std::string five = "{\"id\":5,\"username\":\"fiv\xc3\xa9 \\\"5\\\"\"}";
    f.redis({"SET", k.profile(ids[0]), five});
    f.redis({"SET", k.profile(ids[1]), R"({ "id": 6, "username": "six" })"});
    f.redis({"SET", k.profile(ids[2]), "{}"});
    f.redis({"SET", k.profile(ids[3]), "not json"});
    f.redis({"SET", k.profile(ids[5]), R"({"id":10,"username":"t\u00e9"})"});
    std::vector<std::string> texts, dom;
    run_async(f.ioc, [&]() -> net::awaitable<void> {
        texts = co_await store.user_texts(ids);
        for (const auto& o : co_await store.users(ids))
            dom.push_back(json::serialize(o));
    });
    ASSERT_EQ(texts.size(), 6u);
    EXPECT_EQ(texts, dom);
    EXPECT_EQ(texts[0], five); // canonical: as stored
    EXPECT_EQ(texts[1], R"({"id":6,"username":"six"})");
    EXPECT_EQ(texts[2], json::serialize(profile_store::fallback(ids[2])));
    EXPECT_EQ(texts[3], json::serialize(profile_store::fallback(ids[3])));
    EXPECT_EQ(texts[4], json::serialize(profile_store::fallback(ids[4])));
    EXPECT_EQ(texts[5], "{\"id\":10,\"username\":\"t\xc3\xa9\"}");
}

// With a cache lifetime, a page's profiles come from the shard's cache: one MGET for those it
// has not seen within the lifetime, none when it has them all; what Redis holds meanwhile shows
// after the lifetime, and a profile remembered here shows at once.
TEST(chat_profile_store, user_texts_are_cached_for_their_lifetime) {
    fixture f;
    const keys k("senna-sockets", "myplatform");
    profile_store store(f.conn, k, 2s); // room for a slow (sanitised) run
    const auto five = *id::parse("5"), six = *id::parse("6"), seven = *id::parse("7");
    f.redis({"SET", k.profile(five), R"({"id":5,"username":"five"})"});
    std::vector<std::string> first, again, remembered, partly, later;
    std::size_t mgets_first = 0, mgets_again = 0, mgets_partly = 0;
    // Named: GCC 12 cannot keep a braced list's array across a co_await.
    const std::vector<id> five_six{five, six}, six_five_six{six, five, six}, only_six{six},
        seven_five{seven, five};
    run_async(f.ioc, [&]() -> net::awaitable<void> {
        first = co_await store.user_texts(five_six);
        mgets_first = f.server.calls("mget");
        f.redis({"SET", k.profile(five), R"({"id":5,"username":"FIVE"})"});
        f.redis({"SET", k.profile(six), R"({"id":6,"username":"six"})"});
        again = co_await store.user_texts(six_five_six);
        mgets_again = f.server.calls("mget");
        store.remember(six, json::parse(R"({"user_id":6,"username":"sixer"})").as_object());
        remembered = co_await store.user_texts(only_six);
        partly = co_await store.user_texts(seven_five);
        mgets_partly = f.server.calls("mget");
        co_await test::sleep_for(2100ms);
        later = co_await store.user_texts(five_six);
    });
    EXPECT_EQ(first, (std::vector<std::string>{R"({"id":5,"username":"five"})",
                                               R"({"id":6,"username":"user-6"})"}));
    EXPECT_EQ(mgets_first, 1u);
    EXPECT_EQ(again, (std::vector<std::string>{R"({"id":6,"username":"user-6"})",
                                               R"({"id":5,"username":"five"})",
                                               R"({"id":6,"username":"user-6"})"}));
    EXPECT_EQ(mgets_again, 1u); // all cached: no request
    EXPECT_EQ(remembered, std::vector<std::string>{R"({"id":6,"username":"sixer"})"});
    EXPECT_EQ(partly, (std::vector<std::string>{R"({"id":7,"username":"user-7"})",
                                                R"({"id":5,"username":"five"})"}));
    EXPECT_EQ(mgets_partly, 2u); // one MGET, of seven alone
    EXPECT_EQ(later, (std::vector<std::string>{R"({"id":5,"username":"FIVE"})",
                                               R"({"id":6,"username":"sixer"})"}));
}

// A user with no stored profile: its fallback written as text, as serialising the object writes
// (ids are [A-Za-z0-9_-]; numbers up to 2^53 - 1 without a leading zero are numeric).
TEST(chat_profile_store, fallback_text_is_what_the_fallback_serialises) {
    for (const char* raw : {"7", "9007199254740991", "9007199254740992", "007", "ann", "a-b_C"}) {
        const auto user = id::parse(raw);
        ASSERT_TRUE(user) << raw;
        EXPECT_EQ(profile_store::fallback_text(*user),
                  json::serialize(profile_store::fallback(*user)))
            << raw;
    }
}

} // namespace
} // namespace senna::chat

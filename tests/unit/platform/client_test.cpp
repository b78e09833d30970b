// platform::client look-ups against the fake platform: the batched request, order, the cache,
// merging of concurrent look-ups, and fallbacks when the platform fails.

#include "fake_platform.hpp"
#include "platform/client.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

namespace senna::platform {
namespace {

using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;
using test::clock;
using test::fake_platform;
using test::ms_since;
using test::run_async;
using test::sleep_for;

// Variadic rather than a braced list: GCC 12 rejects a braced list inside a co_await expression
// ("array used as initializer").
template <class... Id> std::vector<std::string> idv(const Id&... id) {
    std::vector<std::string> v;
    (v.emplace_back(id), ...);
    return v;
}
using objects = std::vector<boost::json::object>;

boost::json::object client_data() {
    return boost::json::parse(R"({
        "users": [
            {"id": 1, "username": "one", "role": {"handle": "member"}},
            {"id": 2, "username": "two", "role": {"handle": "member"}},
            {"id": 3, "username": "three"},
            {"id": 4, "username": "four"},
            {"id": 5, "username": "five"},
            {"id": "alice", "username": "alice"},
            {"id": "9", "username": "string nine"},
            {"id": "a b", "username": "spaced"}
        ],
        "topics": [{"id": 7, "title": "seven", "status": "open"}]
    })")
        .as_object();
}

settings quick(const fake_platform& fake, std::chrono::milliseconds timeout = 1000ms) {
    settings s;
    s.api_url = fake.url();
    s.timeout = timeout;
    s.connect_timeout = 500ms;
    return s;
}

std::string text(const objects& v) {
    std::string out;
    for (const auto& o : v)
        out += boost::json::serialize(o) + ";";
    return out;
}

TEST(client, one_batched_request_answers_in_order_with_fallbacks) {
    fake_platform fake(client_data());
    net::asio::io_context ioc;
    stats st;
    client c(ioc.get_executor(), quick(fake), &st);
    run_async(ioc, [&]() -> net::awaitable<void> {
        objects r = co_await c.users(idv("1", "2", "alice", "404", "1"));
        EXPECT_EQ(text(r), R"({"id":1,"username":"one","role":{"handle":"member"}};)"
                           R"({"id":2,"username":"two","role":{"handle":"member"}};)"
                           R"({"id":"alice","username":"alice"};{"id":404};)"
                           R"({"id":1,"username":"one","role":{"handle":"member"}};)");
    });
    auto reqs = fake.stats().at("requests").as_array();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].at("path").as_string(), "/v1/users");
    EXPECT_EQ(reqs[0].at("query").as_string(), "fields=id,username,role&ids=1,2,alice,404");
    const auto& h = reqs[0].at("headers").as_object();
    EXPECT_EQ(h.at("user-agent").as_string(), "Senna-Sockets-Server");
    EXPECT_EQ(h.at("accept").as_string(), "application/json");
    EXPECT_FALSE(h.contains("x-auth-token"));
    EXPECT_EQ(st.requests.value(), 1u);
    EXPECT_EQ(st.errors.value(), 0u);
    EXPECT_EQ(st.cache_misses.value(), 5u);
}

TEST(client, topics_use_their_fields_and_match_ids_by_canonical_text) {
    fake_platform fake(client_data());
    net::asio::io_context ioc;
    client c(ioc.get_executor(), quick(fake));
    run_async(ioc, [&]() -> net::awaitable<void> {
        objects t = co_await c.topics(idv("7"));
        EXPECT_EQ(text(t), R"({"id":7,"title":"seven","status":"open"};)");
        // "9" is a string in the platform's answer: the same canonical text as the number 9.
        objects u = co_await c.users(idv("9", "a b"));
        EXPECT_EQ(text(u),
                  R"({"id":"9","username":"string nine"};{"id":"a b","username":"spaced"};)");
    });
    auto reqs = fake.stats().at("requests").as_array();
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_EQ(reqs[0].at("path").as_string(), "/v1/topics");
    EXPECT_EQ(reqs[0].at("query").as_string(), "fields=id,title,status&ids=7");
    EXPECT_EQ(reqs[1].at("query").as_string(), "fields=id,username,role&ids=9,a%20b");
}

TEST(client, answers_cached_ids_without_a_request) {
    fake_platform fake(client_data());
    net::asio::io_context ioc;
    stats st;
    client c(ioc.get_executor(), quick(fake), &st);
    run_async(ioc, [&]() -> net::awaitable<void> {
        co_await c.users(idv("1", "2"));
        objects r = co_await c.users(idv("2", "1"));
        EXPECT_EQ(r[0].at("username").as_string(), "two");
        EXPECT_EQ(r[1].at("username").as_string(), "one");
        // Only the id not cached is asked for.
        r = co_await c.users(idv("1", "3"));
        EXPECT_EQ(r[1].at("username").as_string(), "three");
    });
    auto reqs = fake.stats().at("requests").as_array();
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_EQ(reqs[1].at("query").as_string(), "fields=id,username,role&ids=3");
    EXPECT_EQ(st.cache_hits.value(), 3u);
    EXPECT_EQ(st.cache_misses.value(), 3u);
}

TEST(client, refetches_after_the_ttl) {
    fake_platform fake(client_data());
    net::asio::io_context ioc;
    settings s = quick(fake);
    s.cache_ttl = 100ms;
    client c(ioc.get_executor(), s);
    run_async(ioc, [&]() -> net::awaitable<void> {
        co_await c.users(idv("1"));
        co_await c.users(idv("1"));
        co_await sleep_for(150ms);
        objects r = co_await c.users(idv("1"));
        EXPECT_EQ(r[0].at("username").as_string(), "one");
    });
    EXPECT_EQ(fake.request_count(), 2u);
}

TEST(client, concurrent_lookups_of_the_same_ids_share_one_request) {
    fake_platform fake(client_data());
    fake.set_mode({{"delayMs", 100}});
    net::asio::io_context ioc;
    client c(ioc.get_executor(), quick(fake));
    run_async(ioc, [&]() -> net::awaitable<void> {
        auto all = co_await (c.users(idv("1", "2")) && c.users(idv("2", "1")) && c.users(idv("1")));
        EXPECT_EQ(text(std::get<0>(all)).size() > 0, true);
        EXPECT_EQ(std::get<0>(all)[1].at("username").as_string(), "two");
        EXPECT_EQ(std::get<1>(all)[0].at("username").as_string(), "two");
        EXPECT_EQ(std::get<1>(all)[1].at("username").as_string(), "one");
        EXPECT_EQ(std::get<2>(all)[0].at("username").as_string(), "one");
        // Partly merged: 3 joins nothing in flight, 1 does.
        auto more = co_await (c.users(idv("4")) && c.users(idv("4", "5")));
        EXPECT_EQ(std::get<0>(more)[0].at("username").as_string(), "four");
        EXPECT_EQ(std::get<1>(more)[1].at("username").as_string(), "five");
    });
    auto reqs = fake.stats().at("requests").as_array();
    ASSERT_EQ(reqs.size(), 3u);
    EXPECT_EQ(reqs[0].at("query").as_string(), "fields=id,username,role&ids=1,2");
    EXPECT_EQ(reqs[1].at("query").as_string(), "fields=id,username,role&ids=4");
    EXPECT_EQ(reqs[2].at("query").as_string(), "fields=id,username,role&ids=5");
}

TEST(client, keeps_one_connection_alive_across_calls) {
    fake_platform fake(client_data());
    net::asio::io_context ioc;
    client c(ioc.get_executor(), quick(fake));
    run_async(ioc, [&]() -> net::awaitable<void> {
        for (const char* id : {"1", "2", "3", "4", "5"})
            co_await c.users(idv(id));
        co_await c.topics(idv("7"));
    });
    EXPECT_EQ(fake.request_count(), 6u);
    EXPECT_EQ(fake.connection_count(), 1u);
}

// Each failure mode answers {"id": ID} for every id within the timeout, and is not cached.
void expect_fallbacks(const char* mode_json, std::chrono::milliseconds timeout,
                      long long at_least_ms) {
    SCOPED_TRACE(mode_json);
    fake_platform fake(client_data());
    fake.set_mode(boost::json::parse(mode_json).as_object());
    net::asio::io_context ioc;
    stats st;
    client c(ioc.get_executor(), quick(fake, timeout), &st);
    run_async(ioc, [&]() -> net::awaitable<void> {
        const auto started = clock::now();
        objects r = co_await c.users(idv("1", "alice"));
        const auto took = ms_since(started);
        EXPECT_EQ(text(r), R"({"id":1};{"id":"alice"};)");
        EXPECT_GE(took, at_least_ms);
        EXPECT_LT(took, timeout.count() + 150);
    });
    EXPECT_EQ(st.errors.value(), 1u);
    fake.set_mode({{"failWith", nullptr}, {"delayMs", 0}});
    run_async(ioc, [&]() -> net::awaitable<void> {
        objects r = co_await c.users(idv("1", "alice"));
        EXPECT_EQ(r[0].at("username").as_string(), "one");
        EXPECT_EQ(r[1].at("username").as_string(), "alice");
    });
    EXPECT_EQ(st.errors.value(), 1u);
}

TEST(client, falls_back_when_the_platform_answers_500) {
    expect_fallbacks(R"({"failWith": 500})", 1000ms, 0);
}

TEST(client, falls_back_when_the_platform_answers_garbage) {
    expect_fallbacks(R"({"failWith": "garbage"})", 1000ms, 0);
}

TEST(client, falls_back_when_the_platform_closes_the_connection) {
    expect_fallbacks(R"({"failWith": "close"})", 1000ms, 0);
}

TEST(client, falls_back_within_the_timeout_when_the_platform_hangs) {
    expect_fallbacks(R"({"failWith": "hang"})", 300ms, 290);
}

TEST(client, falls_back_within_the_timeout_when_the_platform_is_slow) {
    expect_fallbacks(R"({"delayMs": 5000})", 300ms, 290);
}

TEST(client, merged_waiters_get_fallbacks_too_when_the_platform_hangs) {
    fake_platform fake(client_data());
    fake.set_mode({{"failWith", "hang"}});
    net::asio::io_context ioc;
    client c(ioc.get_executor(), quick(fake, 300ms));
    run_async(ioc, [&]() -> net::awaitable<void> {
        const auto started = clock::now();
        auto both = co_await (c.users(idv("1")) && c.users(idv("1")));
        EXPECT_EQ(text(std::get<0>(both)), R"({"id":1};)");
        EXPECT_EQ(text(std::get<1>(both)), R"({"id":1};)");
        EXPECT_LT(ms_since(started), 450);
    });
    EXPECT_EQ(fake.request_count(), 1u);
}

TEST(client, falls_back_when_the_platform_is_down) {
    fake_platform fake(client_data());
    const std::string url = fake.url();
    fake.stop();
    net::asio::io_context ioc;
    settings s;
    s.api_url = url;
    s.timeout = 500ms;
    client c(ioc.get_executor(), s);
    run_async(ioc, [&]() -> net::awaitable<void> {
        const auto started = clock::now();
        objects r = co_await c.topics(idv("7", "x"));
        EXPECT_EQ(text(r), R"({"id":7};{"id":"x"};)");
        EXPECT_LT(ms_since(started), 200);
    });
}

TEST(client, may_be_destroyed_while_a_lookup_is_suspended) {
    fake_platform fake(client_data());
    fake.set_mode({{"delayMs", 100}});
    net::asio::io_context ioc;
    auto c = std::make_unique<client>(ioc.get_executor(), quick(fake));
    run_async(ioc, [&]() -> net::awaitable<void> {
        auto destroy = [&]() -> net::awaitable<void> {
            co_await sleep_for(20ms);
            c.reset(); // the suspended call and its fetch hold the client's state
        };
        objects r = co_await (c->users(idv("1")) && destroy());
        EXPECT_EQ(r[0].at("username").as_string(), "one");
    });
    EXPECT_FALSE(c);
}

} // namespace
} // namespace senna::platform

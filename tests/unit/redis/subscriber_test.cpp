// The subscriber against a real redis-server that each test starts.

#include "redis/connection.hpp"
#include "redis/subscriber.hpp"
#include "support/async_test.hpp"
#include "support/redis_options.hpp"
#include "support/redis_server.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <string>
#include <tuple>
#include <vector>

namespace senna::redis {
namespace {

using namespace std::chrono_literals;
using test::redis_server;
using test::run_async;
using test::sleep_for;
using test::wait_until;

using message = std::tuple<std::string, std::string, std::string>;

connection_options test_options() {
    return test::quick_reconnect("test");
}

endpoint tcp_endpoint(const redis_server& s) {
    endpoint ep;
    ep.port = s.port();
    ep.password = s.password();
    return ep;
}

// PUBLISH; the number of subscribers that got it, or -1 on failure.
net::awaitable<long long> publish(connection& conn, std::string_view channel,
                                  std::string_view payload) {
    request r;
    r.push("PUBLISH", channel, payload);
    auto [ec, replies] = co_await conn.exec(r);
    co_return ec || replies.size() != 1 ? -1 : replies[0].integer;
}

// Publishes until `want` subscribers receive it (subscription changes are asynchronous).
net::awaitable<bool> publish_until(connection& conn, std::string_view channel,
                                   std::string_view payload, long long want) {
    for (int i = 0; i < 200; ++i) {
        const long long receivers =
            co_await publish(conn, channel, payload); // not in the if: GCC 12
        if (receivers == want)
            co_return true;
        co_await sleep_for(5ms);
    }
    co_return false;
}

TEST(subscriber, receives_messages_and_resubscribes_after_restart) {
    redis_server server;
    net::asio::io_context ioc;
    connection pub(ioc.get_executor(), tcp_endpoint(server), test_options());
    subscriber sub(ioc.get_executor(), tcp_endpoint(server), test_options());
    std::vector<message> got;
    sub.set_handler([&](std::string_view channel, std::string_view pattern,
                        std::string_view payload) { got.emplace_back(channel, pattern, payload); });
    sub.subscribe("news");
    sub.psubscribe("room.*");
    run_async(ioc, [&]() -> net::awaitable<void> {
        pub.start();
        sub.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return pub.connected() && sub.connected(); }));

        EXPECT_EQ(co_await publish(pub, "news", "hello"), 1);
        CO_ASSERT_TRUE(co_await wait_until([&] { return got.size() == 1; }));
        EXPECT_EQ(got[0], message("news", "", "hello"));
        EXPECT_EQ(co_await publish(pub, "room.42", std::string("bin\r\n\0", 6)), 1);
        CO_ASSERT_TRUE(co_await wait_until([&] { return got.size() == 2; }));
        EXPECT_EQ(got[1], message("room.42", "room.*", std::string("bin\r\n\0", 6)));

        server.kill();
        // Both clients must have seen the old server go: a publisher that has not yet read
        // its EOF would send the first publish below into the dead socket (connection_lost).
        CO_ASSERT_TRUE(
            co_await wait_until([&] { return !sub.connected() && !pub.connected(); }, 1s));
        server.restart();
        CO_ASSERT_TRUE(co_await wait_until([&] { return pub.connected() && sub.connected(); }));
        // connected() means the resubscription is confirmed: the first publish is received.
        EXPECT_EQ(co_await publish(pub, "news", "again"), 1);
        EXPECT_EQ(co_await publish(pub, "room.7", "p"), 1);
        CO_ASSERT_TRUE(co_await wait_until([&] { return got.size() == 4; }));
        EXPECT_EQ(got[2], message("news", "", "again"));
        EXPECT_EQ(got[3], message("room.7", "room.*", "p"));

        // Changes while connected take effect at once.
        sub.subscribe("late");
        CO_ASSERT_TRUE(co_await publish_until(pub, "late", "x", 1));
        sub.unsubscribe("news");
        sub.punsubscribe("room.*");
        CO_ASSERT_TRUE(co_await publish_until(pub, "news", "gone", 0));
        CO_ASSERT_TRUE(co_await publish_until(pub, "room.1", "gone", 0));
        // "late" was heard; the publishes to "news" and "room.1" made before the unsubscriptions
        // took effect may be heard after it, so look for it rather than at the last message.
        CO_ASSERT_TRUE(co_await wait_until([&] {
            return std::find(got.begin(), got.end(), message("late", "", "x")) != got.end();
        }));
        pub.stop();
        sub.stop();
    });
}

TEST(subscriber, unix_socket_with_password) {
    redis_server server(test::unix_socket_only("pw"));
    net::asio::io_context ioc;
    endpoint ep;
    ep.kind = endpoint::transport::unix_socket;
    ep.path = server.socket_path();
    ep.password = "pw";
    connection pub(ioc.get_executor(), ep, test_options());
    subscriber sub(ioc.get_executor(), ep, test_options());
    std::vector<message> got;
    sub.set_handler([&](std::string_view c, std::string_view p, std::string_view m) {
        got.emplace_back(c, p, m);
    });
    run_async(ioc, [&]() -> net::awaitable<void> {
        pub.start();
        sub.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return pub.connected() && sub.connected(); }));
        // No subscription yet: subscribing after connect works too.
        sub.subscribe("c");
        CO_ASSERT_TRUE(co_await publish_until(pub, "c", "m", 1));
        CO_ASSERT_TRUE(co_await wait_until([&] { return !got.empty(); }));
        EXPECT_EQ(got[0], message("c", "", "m"));
        pub.stop();
        sub.stop();
    });
}

TEST(subscriber, health_check_detects_a_stalled_server) {
    redis_server server;
    net::asio::io_context ioc;
    auto opts = test_options();
    opts.health_check_interval = 100ms;
    opts.command_timeout = 200ms;
    opts.connect_timeout = 300ms;
    subscriber sub(ioc.get_executor(), tcp_endpoint(server), opts);
    sub.subscribe("c");
    run_async(ioc, [&]() -> net::awaitable<void> {
        sub.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return sub.connected(); }));
        co_await sleep_for(250ms); // a few health checks pass while the server answers
        EXPECT_TRUE(sub.connected());
        server.pause();
        CO_ASSERT_TRUE(co_await wait_until([&] { return !sub.connected(); }, 1s));
        server.resume();
        CO_ASSERT_TRUE(co_await wait_until([&] { return sub.connected(); }));
        EXPECT_EQ(server.command({"PUBSUB", "NUMSUB", "c"}), "c\n1");
        sub.stop();
    });
}

TEST(subscriber, stop_before_start_and_twice) {
    net::asio::io_context ioc;
    subscriber sub(ioc.get_executor(), endpoint(), test_options());
    sub.stop();
    sub.stop();
    sub.start(); // no effect after stop
    EXPECT_FALSE(sub.connected());
    EXPECT_EQ(ioc.poll(), 0u);
}

} // namespace
} // namespace senna::redis

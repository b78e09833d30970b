// redis::sharded_subscriber (ADR 0015 §8, §9) against a real Redis 7 and a real Redis Cluster
// (3 masters, 3 replicas) that each test starts: SSUBSCRIBE at each channel's master, SUNSUBSCRIBE,
// and, without a restart, a manual failover, a SIGKILLed master and a resharded slot survived.

#include "redis/connection.hpp"
#include "redis/sharded_subscriber.hpp"
#include "redis/slot.hpp"
#include "support/async_test.hpp"
#include "support/redis_cluster.hpp"
#include "support/redis_options.hpp"
#include "support/redis_server.hpp"

#include <gtest/gtest.h>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace senna::redis {
namespace {

using namespace std::chrono_literals;
using test::run_async;
using test::sleep_for;
using test::wait_until;

connection_options sharded_options() {
    return test::quick_reconnect("sharded-test", 8s);
}

struct received {
    std::vector<std::pair<std::string, std::string>> messages;
    std::size_t bytes = 0;
    std::size_t count(std::string_view channel) const {
        std::size_t n = 0;
        for (const auto& [c, p] : messages)
            n += c == channel;
        return n;
    }
};

void record(sharded_subscriber& sub, received& into) {
    sub.set_handler([&into](std::string_view channel, std::string_view payload) {
        into.messages.emplace_back(channel, payload);
        into.bytes += payload.size();
    });
}

// SPUBLISH; the number of subscribers that got it, or -1 on failure.
net::awaitable<long long> spublish(connection& conn, std::string_view channel,
                                   std::string_view payload) {
    request r;
    r.push("SPUBLISH", channel, payload);
    auto [ec, replies] = co_await conn.exec(r);
    co_return ec || replies.size() != 1 || replies[0].is_error() ? -1 : replies[0].integer;
}

// SPUBLISHes until `want` subscribers receive it (subscriptions move asynchronously); the
// number of tries, or 0 if it never happened.
net::awaitable<int> spublish_until(connection& conn, std::string_view channel,
                                   std::string_view payload, long long want) {
    for (int i = 1; i <= 400; ++i) {
        const long long receivers = co_await spublish(conn, channel, payload); // GCC 12
        if (i % 50 == 1)
            if (receivers == want)
                co_return i;
        co_await sleep_for(10ms);
    }
    co_return 0;
}

TEST(sharded_subscriber, one_redis_subscribes_unsubscribes_and_counts) {
    test::redis_server server;
    endpoint ep;
    ep.port = server.port();
    ep.password = server.password();
    net::asio::io_context ioc;
    connection pub(ioc.get_executor(), ep, sharded_options());
    sharded_subscriber sub(ioc.get_executor(), ep, sharded_options());
    received got;
    record(sub, got);
    sub.subscribe("socket.io#/#");
    sub.subscribe("socket.io#/#room-1#");
    run_async(ioc, [&]() -> net::awaitable<void> {
        pub.start();
        sub.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return pub.connected() && sub.connected(); }));
        EXPECT_EQ(sub.nodes(), 1u);
        EXPECT_EQ(co_await spublish(pub, "socket.io#/#", "{\"a\":1}"), 1);
        EXPECT_EQ(co_await spublish(pub, "socket.io#/#room-1#", "xyz"), 1);
        EXPECT_EQ(co_await spublish(pub, "socket.io#/#room-2#", "nobody"), 0);
        CO_ASSERT_TRUE(co_await wait_until([&] { return got.messages.size() == 2; }));
        EXPECT_EQ(got.messages[0],
                  std::make_pair(std::string("socket.io#/#"), std::string("{\"a\":1}")));
        EXPECT_EQ(got.messages[1],
                  std::make_pair(std::string("socket.io#/#room-1#"), std::string("xyz")));
        EXPECT_EQ(got.bytes, 10u);

        sub.unsubscribe("socket.io#/#room-1#");
        EXPECT_GT(co_await spublish_until(pub, "socket.io#/#room-1#", "gone", 0), 0);
        sub.subscribe("socket.io#/#room-2#");
        EXPECT_GT(co_await spublish_until(pub, "socket.io#/#room-2#", "here", 1), 0);
        CO_ASSERT_TRUE(co_await wait_until([&] { return got.count("socket.io#/#room-2#") >= 1; }));
        EXPECT_EQ(got.count("socket.io#/#room-1#"), 1u); // nothing after the SUNSUBSCRIBE
        sub.stop();
        pub.stop();
    });
}

// The first channel name "room-<i>#" served by each master, three in all.
std::vector<std::string> one_channel_per_master(const test::redis_cluster& cluster) {
    std::map<std::uint16_t, std::string> by_master;
    for (int i = 0; by_master.size() < 3 && i < 10000; ++i) {
        std::string ch = "socket.io#/#room-" + std::to_string(i) + "#";
        by_master.emplace(cluster.master_of(key_slot(ch)), ch);
    }
    std::vector<std::string> out;
    for (auto& [port, ch] : by_master)
        out.push_back(ch);
    return out;
}

// A 3+3 cluster, a publisher, and a subscriber of one channel per master, started.
struct on_cluster {
    static test::redis_cluster_options options() {
        test::redis_cluster_options o;
        o.node_timeout = 1000ms;
        return o;
    }
    static endpoint endpoint_of(const test::redis_cluster& c) {
        auto ep = parse_url("redis+cluster://" + c.seeds());
        EXPECT_TRUE(ep.has_value());
        return ep.has_value() ? *ep : endpoint();
    }

    test::redis_cluster cluster{options()};
    std::vector<std::string> channels = one_channel_per_master(cluster);
    endpoint ep = endpoint_of(cluster);
    net::asio::io_context ioc;
    connection pub{ioc.get_executor(), ep, sharded_options()};
    sharded_subscriber sub{ioc.get_executor(), ep, sharded_options()};
    received got;

    on_cluster() {
        sub.set_check_interval(200ms);
        // A demoted master serves SPUBLISH as a replica instead of answering MOVED: the
        // publisher learns of a failover from the subscriber (as realtime::hub wires them).
        sub.set_topology_handler([this] { pub.refresh_topology(); });
        record(sub, got);
        for (const auto& c : channels)
            sub.subscribe(c);
    }

    /** Starts both, runs `body` once they are connected, stops both. */
    template <class Body> void run(Body body) {
        ASSERT_EQ(channels.size(), 3u);
        run_async(
            ioc,
            [&]() -> net::awaitable<void> {
                pub.start();
                sub.start();
                CO_ASSERT_TRUE(
                    co_await wait_until([&] { return pub.connected() && sub.connected(); }, 10s));
                co_await body();
                sub.stop();
                pub.stop();
            },
            60s);
    }
};

TEST(sharded_subscriber, cluster_one_connection_per_master_and_a_failover_survived) {
    on_cluster t;
    t.run([&]() -> net::awaitable<void> {
        EXPECT_EQ(t.sub.nodes(), 3u); // one connection per master, none to a replica
        for (const auto& c : t.channels)
            EXPECT_EQ(co_await spublish(t.pub, c, "one:" + c), 1) << c;
        CO_ASSERT_TRUE(co_await wait_until([&] { return t.got.messages.size() == 3; }));
        for (const auto& c : t.channels)
            EXPECT_EQ(t.got.count(c), 1u) << c;

        // A channel given up: its master's connection goes with it.
        t.sub.unsubscribe(t.channels[2]);
        EXPECT_GT(co_await spublish_until(t.pub, t.channels[2], "gone", 0), 0);
        CO_ASSERT_TRUE(co_await wait_until([&] { return t.sub.nodes() == 2; }, 5s));

        // CLUSTER FAILOVER on channels[0]'s master's replica: the old master drops the
        // channel (sunsubscribe push); the subscriber finds the new master by itself.
        const unsigned slot0 = key_slot(t.channels[0]);
        const std::uint16_t old_master = t.cluster.master_of(slot0);
        const std::uint16_t replica = t.cluster.replica_of(old_master);
        EXPECT_EQ(t.cluster.command(replica, {"CLUSTER", "FAILOVER"}), "OK");
        for (int i = 0; i < 300 && t.cluster.master_of(slot0) != replica; ++i)
            co_await sleep_for(20ms);
        CO_ASSERT_TRUE(t.cluster.master_of(slot0) == replica);
        EXPECT_GT(co_await spublish_until(t.pub, t.channels[0], "after", 1), 0);
        CO_ASSERT_TRUE(co_await wait_until([&] { return t.got.count(t.channels[0]) >= 2; }, 10s));
        EXPECT_EQ(t.got.messages.back().second, "after");
        // The other master's channel was never moved.
        EXPECT_EQ(co_await spublish(t.pub, t.channels[1], "still"), 1);
        CO_ASSERT_TRUE(co_await wait_until([&] { return t.got.count(t.channels[1]) == 2; }));
        EXPECT_EQ(t.got.count(t.channels[2]), 1u);
        std::size_t bytes = 0;
        for (const auto& [c, p] : t.got.messages)
            bytes += p.size();
        EXPECT_EQ(t.got.bytes, bytes);
    });
}

TEST(sharded_subscriber, cluster_a_killed_master_survived) {
    on_cluster t;
    t.run([&]() -> net::awaitable<void> {
        // SIGKILL: no sunsubscribe push this time, only a connection that stays down until
        // the replica has taken over.
        const std::uint16_t victim = t.cluster.master_of(key_slot(t.channels[1]));
        // The node asked may not list the replica yet right after the cluster formed.
        std::uint16_t replica = 0;
        for (int i = 0; i < 250 && replica == 0; ++i) {
            try {
                replica = t.cluster.replica_of(victim);
            } catch (const std::exception&) {
                replica = 0;
            }
            if (replica == 0)
                co_await sleep_for(20ms); // not in a catch block: a coroutine cannot await there
        }
        CO_ASSERT_TRUE(replica != 0);
        t.cluster.server(t.cluster.index_of(victim)).kill();
        const auto owner = [&]() -> std::uint16_t {
            try {
                return t.cluster.master_of(key_slot(t.channels[1]));
            } catch (const std::exception&) {
                return 0; // no master for the slot while the replica takes over
            }
        };
        for (int i = 0; i < 500 && owner() != replica; ++i)
            co_await sleep_for(20ms);
        CO_ASSERT_TRUE(owner() == replica);
        EXPECT_GT(co_await spublish_until(t.pub, t.channels[1], "after", 1), 0);
        CO_ASSERT_TRUE(co_await wait_until([&] { return t.got.count(t.channels[1]) >= 1; }, 10s));
        EXPECT_EQ(t.got.messages.back(), std::make_pair(t.channels[1], std::string("after")));
        CO_ASSERT_TRUE(co_await wait_until([&] { return t.sub.connected(); }, 10s));
        EXPECT_EQ(t.sub.nodes(), 3u); // the dead master's connection replaced, not kept
        for (const std::size_t i : {0u, 2u})
            EXPECT_EQ(co_await spublish(t.pub, t.channels[i], "other"), 1) << t.channels[i];
    });
}

TEST(sharded_subscriber, cluster_a_slot_moved_to_another_master_follows_it) {
    on_cluster t;
    t.run([&]() -> net::awaitable<void> {
        // Resharding: channels[0]'s slot goes to channels[1]'s master. The old owner drops
        // the channel (sunsubscribe push) once CLUSTER SETSLOT NODE took the slot away.
        const unsigned slot = key_slot(t.channels[0]);
        const std::uint16_t to = t.cluster.master_of(key_slot(t.channels[1]));
        t.cluster.move_slot(slot, to);
        CO_ASSERT_TRUE(t.cluster.master_of(slot) == to);
        EXPECT_GT(co_await spublish_until(t.pub, t.channels[0], "moved", 1), 0);
        CO_ASSERT_TRUE(co_await wait_until([&] { return t.got.count(t.channels[0]) >= 1; }));
        EXPECT_EQ(t.got.messages.back(), std::make_pair(t.channels[0], std::string("moved")));
        // Two channels on one master now: one connection for both, the other master's gone.
        CO_ASSERT_TRUE(co_await wait_until([&] { return t.sub.nodes() == 2; }, 5s));
        EXPECT_EQ(co_await spublish(t.pub, t.channels[1], "same node"), 1);
        EXPECT_EQ(co_await spublish(t.pub, t.channels[2], "untouched"), 1);
    });
}

} // namespace
} // namespace senna::redis

// redis::connection and redis::subscriber on a real Redis Cluster (3 masters, 3 replicas) that
// each test starts (tests/support/redis_cluster.hpp): routing, cross-slot pipelines, MOVED, ASK,
// a manual failover and a master killed while requests are in flight (ADR 0013).

#include "redis/connection.hpp"
#include "redis/script.hpp"
#include "redis/slot.hpp"
#include "redis/stats.hpp"
#include "redis/subscriber.hpp"
#include "support/async_test.hpp"
#include "support/redis_cluster.hpp"
#include "support/redis_options.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace senna::redis {
namespace {

using namespace std::chrono_literals;
using test::redis_cluster;
using test::run_async;
using test::sleep_for;
using test::wait_until;

// Commands wait longer than a failover with a 1 s node timeout.
connection_options test_options() {
    return test::quick_reconnect("cluster-test", 8s);
}

endpoint cluster_endpoint(const std::string& seeds) {
    auto ep = parse_url("redis+cluster://" + seeds);
    EXPECT_TRUE(ep.has_value());
    return ep.has_value() ? *ep : endpoint();
}

std::string key_n(const char* prefix, int i) {
    return std::string(prefix) + std::to_string(i);
}

std::string node_id(const redis_cluster& c, std::uint16_t port) {
    for (const auto& n : c.nodes())
        if (n.port == port)
            return n.id;
    return {};
}

TEST(cluster, routes_each_command_to_its_master_and_answers_in_order) {
    redis_cluster cluster;
    net::asio::io_context ioc;
    connection conn(ioc.get_executor(), cluster_endpoint(cluster.seeds()), test_options());
    const std::uint16_t any = cluster.server(0).port();
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));

        // One pipeline over many slots: SETs, a keyless PING, GETs, answered in order.
        request r;
        for (int i = 0; i < 30; ++i)
            r.push("SET", key_n("key:", i), key_n("value-", i));
        r.push("PING");
        for (int i = 0; i < 30; ++i)
            r.push("GET", key_n("key:", i));
        auto [ec, replies] = co_await conn.exec(r);
        CO_ASSERT_TRUE(!ec);
        CO_ASSERT_TRUE(replies.size() == 61);
        for (int i = 0; i < 30; ++i) {
            EXPECT_EQ(replies[static_cast<std::size_t>(i)].as_string(), "OK");
            EXPECT_EQ(replies[static_cast<std::size_t>(31 + i)].as_string(), key_n("value-", i));
        }
        EXPECT_EQ(replies[30].as_string(), "PONG");

        // Each key is on the master that serves CLUSTER KEYSLOT's slot (read there directly).
        std::set<std::uint16_t> masters;
        for (int i = 0; i < 30; ++i) {
            std::string key = key_n("key:", i);
            std::string slot = cluster.command(any, {"CLUSTER", "KEYSLOT", key});
            EXPECT_EQ(slot, std::to_string(key_slot(key)));
            std::uint16_t owner = cluster.master_of(key_slot(key));
            masters.insert(owner);
            EXPECT_EQ(cluster.command(owner, {"GET", key}), key_n("value-", i)) << key;
        }
        EXPECT_EQ(masters.size(), 3u);

        // A script on every master: the first EVALSHA on each finds no script (NOSCRIPT) and
        // the reload goes to the same node as the EVALSHA.
        script get("return redis.call('GET', KEYS[1])");
        for (int i = 0; i < 10; ++i) {
            std::string key = key_n("key:", i);
            std::array<std::string_view, 1> keys{key};
            auto [eec, rep_owner] = co_await conn.evalsha(get, keys);
            const redis::reply& rep = rep_owner.front();
            EXPECT_FALSE(eec);
            EXPECT_EQ(rep.as_string(), key_n("value-", i));
        }
        // Keys of one hash tag in one script: same slot, one node.
        script both("return redis.call('SET', KEYS[1], ARGV[1]) and "
                    "redis.call('SET', KEYS[2], ARGV[1]) and 1");
        std::array<std::string_view, 2> tagged{"{chat:1}a", "{chat:1}b"};
        std::array<std::string_view, 1> args{"x"};
        auto [tec, trep_owner] = co_await conn.evalsha(both, tagged, args);
        const redis::reply& trep = trep_owner.front();
        EXPECT_FALSE(tec);
        EXPECT_EQ(trep.integer, 1);
        EXPECT_EQ(cluster.command(cluster.master_of(key_slot("{chat:1}")), {"GET", "{chat:1}b"}),
                  "x");
        // Keys of two slots in one script: Redis refuses, the client reports it as is.
        std::array<std::string_view, 2> spread{"key:1", "key:2"};
        auto [xec, xrep_owner] = co_await conn.evalsha(both, spread, args);
        const redis::reply& xrep = xrep_owner.front();
        EXPECT_FALSE(xec);
        EXPECT_TRUE(xrep.is_error_code("CROSSSLOT")) << xrep.as_string();
        conn.stop();
    });
}

TEST(cluster, follows_ask_during_a_migration_and_moved_after_it) {
    redis_cluster cluster;
    net::asio::io_context ioc;
    connection conn(ioc.get_executor(), cluster_endpoint(cluster.seeds()), test_options());
    const unsigned slot = key_slot("{m}");
    const std::uint16_t from = cluster.master_of(slot);
    std::uint16_t to = 0;
    for (const auto& n : cluster.nodes())
        if (n.master && n.port != from)
            to = n.port;
    ASSERT_NE(to, 0);
    const std::string s = std::to_string(slot);
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
        request set;
        set.push("SET", "{m}a", "1");
        set.push("SET", "{m}b", "2");
        auto [ec, replies] = co_await conn.exec(set);
        CO_ASSERT_TRUE(!ec && replies.size() == 2);

        // Migration under way, one key moved: the source answers ASK for it. Right after the
        // cluster forms a node may not know the other's id yet and refuses SETSLOT (then the
        // MIGRATE below met a target that was not importing: MOVED); asked until it is taken.
        const auto set_slot = [&](std::uint16_t at, const char* state, std::uint16_t other) {
            std::string r;
            for (int i = 0; i < 100; ++i) {
                r = cluster.command(at, {"CLUSTER", "SETSLOT", s, state, node_id(cluster, other)});
                if (r == "OK")
                    break;
                std::this_thread::sleep_for(50ms);
            }
            return r;
        };
        EXPECT_EQ(set_slot(to, "IMPORTING", from), "OK");
        EXPECT_EQ(set_slot(from, "MIGRATING", to), "OK");
        EXPECT_EQ(cluster.command(
                      from, {"MIGRATE", "127.0.0.1", std::to_string(to), "{m}a", "0", "5000"}),
                  "OK");
        EXPECT_EQ(cluster.command(from, {"GET", "{m}a"}).substr(0, 4), "ASK ");
        request get;
        get.push("GET", "{m}a");
        get.push("GET", "{m}b");
        get.push("GET", "{m}a");
        auto [gec, got] = co_await conn.exec(get);
        CO_ASSERT_TRUE(!gec && got.size() == 3);
        EXPECT_EQ(got[0].as_string(), "1");
        EXPECT_EQ(got[1].as_string(), "2");
        EXPECT_EQ(got[2].as_string(), "1");
        // ASK leaves the map alone: the slot is still the source's.
        EXPECT_EQ(cluster.command(from, {"CLUSTER", "COUNTKEYSINSLOT", s}), "1");
        EXPECT_EQ(cluster.command(to, {"CLUSTER", "COUNTKEYSINSLOT", s}), "1");

        // Migration done: the client's map is stale, the source answers MOVED.
        cluster.move_slot(slot, to);
        EXPECT_EQ(cluster.command(from, {"GET", "{m}b"}).substr(0, 6), "MOVED ");
        request after;
        after.push("GET", "{m}a");
        after.push("GET", "{m}b");
        after.push("SET", "{m}c", "3");
        auto [aec, later] = co_await conn.exec(after);
        CO_ASSERT_TRUE(!aec && later.size() == 3);
        EXPECT_EQ(later[0].as_string(), "1");
        EXPECT_EQ(later[1].as_string(), "2");
        EXPECT_EQ(later[2].as_string(), "OK");
        EXPECT_EQ(cluster.command(to, {"GET", "{m}c"}), "3");
        conn.stop();
    });
}

// A write on a master with a replica is answered once the replica has it (ADR 0020): one WAIT
// per request part that writes, none for reads, its reply not among the caller's. A replica that
// stops answering makes a write wait the timeout, answered all the same and counted; that
// master's next writes go without WAIT for the pause.
TEST(cluster, waits_for_a_replica_after_writes) {
    redis_cluster cluster;
    net::asio::io_context ioc;
    stats metrics;
    auto opts = test_options();
    opts.metrics = &metrics;
    opts.replica_wait = 300ms;
    opts.replica_wait_pause = 3s;
    connection conn(ioc.get_executor(), cluster_endpoint(cluster.seeds()), opts);
    const std::string key = "{wait}k", counter = "{wait}n";
    const std::uint16_t master = cluster.master_of(key_slot(key));
    const redis_server& owner = cluster.server(cluster.index_of(master)); // WAITs: its calls
    redis_server& replica = cluster.server(cluster.index_of(cluster.replica_of(master)));
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
        const std::size_t before = owner.calls("wait");
        request w;
        w.push("SET", key, "1");
        w.push("INCR", counter);
        auto [ec, r] = co_await conn.exec(w);
        CO_ASSERT_TRUE(!ec);
        CO_ASSERT_TRUE(r.size() == 2);
        EXPECT_EQ(r[0].as_string(), "OK");
        EXPECT_EQ(r[1].integer, 1);
        EXPECT_EQ(owner.calls("wait"), before + 1);
        // A script writes: it waits too. Reads do not.
        script incr("return redis.call('INCR', KEYS[1])");
        std::array<std::string_view, 1> keys{counter};
        auto [sec, sr] = co_await conn.evalsha(incr, keys);
        EXPECT_FALSE(sec);
        EXPECT_EQ(sr.front().integer, 2);
        const std::size_t after_script = owner.calls("wait");
        EXPECT_GE(after_script, before + 2); // NOSCRIPT's reload is a part of its own
        request rd;
        rd.push("GET", key);
        rd.push("EXISTS", counter);
        auto [rec, rr] = co_await conn.exec(rd);
        EXPECT_FALSE(rec);
        EXPECT_EQ(rr[0].as_string(), "1");
        EXPECT_EQ(owner.calls("wait"), after_script);

        // The replica stops (SIGSTOP, shorter than the node timeout: no failover).
        replica.pause();
        auto t0 = std::chrono::steady_clock::now();
        request w2;
        w2.push("SET", key, "2");
        auto [ec2, r2] = co_await conn.exec(w2);
        const auto slow = std::chrono::steady_clock::now() - t0;
        EXPECT_FALSE(ec2);
        CO_ASSERT_TRUE(r2.size() == 1);
        EXPECT_EQ(r2[0].as_string(), "OK");
        EXPECT_GE(slow, 250ms);
        EXPECT_EQ(metrics.replica_wait_timeouts.value(), 1u);
        const std::size_t paused = owner.calls("wait");
        t0 = std::chrono::steady_clock::now();
        request w3;
        w3.push("SET", key, "3");
        auto [ec3, r3] = co_await conn.exec(w3);
        const auto fast = std::chrono::steady_clock::now() - t0;
        replica.resume();
        EXPECT_FALSE(ec3);
        EXPECT_LT(fast, 250ms);
        EXPECT_EQ(owner.calls("wait"), paused); // within the pause: no WAIT
        EXPECT_EQ(cluster.command(master, {"GET", key}), "3");
        conn.stop();
    });
}

TEST(cluster, survives_a_manual_failover_and_a_killed_master) {
    test::redis_cluster_options opts;
    opts.node_timeout = 1000ms;
    redis_cluster cluster(opts);
    net::asio::io_context ioc;
    connection conn(ioc.get_executor(), cluster_endpoint(cluster.seeds()), test_options());

    run_async(
        ioc,
        [&]() -> net::awaitable<void> {
            conn.start();
            CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
            request set;
            for (int i = 0; i < 30; ++i)
                set.push("SET", key_n("k", i), key_n("v", i));
            auto [ec, replies] = co_await conn.exec(set);
            CO_ASSERT_TRUE(!ec && replies.size() == 30);

            // 1. CLUSTER FAILOVER on a replica: its master is demoted, the client follows the
            //    MOVED it then answers.
            const unsigned slot0 = key_slot("k0");
            const std::uint16_t old_master = cluster.master_of(slot0);
            const std::uint16_t replica = cluster.replica_of(old_master);
            EXPECT_EQ(cluster.command(replica, {"CLUSTER", "FAILOVER"}), "OK");
            // Up to 15 s: on a loaded machine (CI, two cores) the failover took over 4.
            for (int i = 0; i < 750 && cluster.master_of(slot0) != replica; ++i)
                co_await sleep_for(20ms);
            CO_ASSERT_TRUE(cluster.master_of(slot0) == replica);
            cluster.wait_ok();
            request get;
            for (int i = 0; i < 30; ++i)
                get.push("GET", key_n("k", i));
            auto [gec, got] = co_await conn.exec(get);
            CO_ASSERT_TRUE(!gec && got.size() == 30);
            for (int i = 0; i < 30; ++i)
                EXPECT_EQ(got[static_cast<std::size_t>(i)].as_string(), key_n("v", i));

            // 2. A master killed (SIGKILL) while writes are in flight. The subscriber sits on
            //    that node and must move to another one.
            const std::uint16_t victim = cluster.master_of(key_slot("k1"));
            std::string seeds = "127.0.0.1:" + std::to_string(victim);
            for (std::size_t i = 0; i < cluster.size(); ++i)
                if (cluster.server(i).port() != victim)
                    seeds += ",127.0.0.1:" + std::to_string(cluster.server(i).port());
            subscriber sub(ioc.get_executor(), cluster_endpoint(seeds), test_options());
            std::vector<std::string> messages;
            sub.set_handler([&](std::string_view, std::string_view, std::string_view payload) {
                messages.emplace_back(payload);
            });
            sub.psubscribe("news.*");
            sub.start();
            CO_ASSERT_TRUE(co_await wait_until([&] { return sub.connected(); }));
            request pub;
            pub.push("PUBLISH", "news.1", "before");
            co_await conn.exec(pub);
            CO_ASSERT_TRUE(co_await wait_until([&] { return messages.size() == 1; }));

            std::atomic<bool> recovered{false};
            std::string admin_error;
            std::thread admin([&] {
                std::this_thread::sleep_for(300ms);
                cluster.server(cluster.index_of(victim)).kill();
                try {
                    cluster.wait_ok(30s);
                } catch (const std::exception& e) {
                    admin_error = e.what();
                }
                recovered = true;
            });

            std::map<std::string, std::string> acked;
            int issued = 0;
            int completed = 0;
            int failed = 0;
            for (int n = 0; !recovered; ++n) {
                for (int j = 0; j < 10; ++j, ++issued) {
                    std::string key = key_n("w", issued);
                    request w;
                    w.push("SET", key, issued);
                    conn.async_exec(w, [&, key, value = std::to_string(issued)](net::error_code wec,
                                                                                redis::replies wr) {
                        ++completed;
                        if (!wec && wr.size() == 1 && wr[0].as_string() == "OK")
                            acked[key] = value;
                        else
                            ++failed;
                    });
                }
                co_await sleep_for(10ms);
            }
            admin.join();
            CO_ASSERT_TRUE(admin_error.empty());
            // Every request completes: written and reported, or reported as an error.
            CO_ASSERT_TRUE(co_await wait_until([&] { return completed == issued; }, 20s));
            EXPECT_GT(acked.size(), 0u);
            std::cout << "[          ] " << issued << " writes, " << acked.size()
                      << " acknowledged, " << failed << " reported as errors\n";

            // Every acknowledged write is there, read through the client and on its master.
            request check;
            for (const auto& [k, v] : acked)
                check.push("GET", k);
            auto [cec, values] = co_await conn.exec(check);
            CO_ASSERT_TRUE(!cec && values.size() == acked.size());
            std::size_t i = 0;
            for (const auto& [k, v] : acked) {
                EXPECT_EQ(values[i++].as_string(), v) << k;
                EXPECT_EQ(cluster.command(cluster.master_of(key_slot(k)), {"GET", k}), v) << k;
            }
            // The client works again without a restart, on every slot.
            request again;
            for (int k = 0; k < 30; ++k)
                again.push("SET", key_n("after", k), "ok");
            auto [aec, done] = co_await conn.exec(again);
            CO_ASSERT_TRUE(!aec && done.size() == 30);
            for (const auto& d : done)
                EXPECT_EQ(d.as_string(), "OK");
            EXPECT_NE(cluster.master_of(key_slot("k1")), victim);

            // The subscriber reconnected to another node and receives again.
            CO_ASSERT_TRUE(co_await wait_until([&] { return sub.connected(); }, 10s));
            request pub2;
            pub2.push("PUBLISH", "news.2", "after");
            co_await conn.exec(pub2);
            CO_ASSERT_TRUE(co_await wait_until([&] { return messages.size() == 2; }));
            EXPECT_EQ(messages.back(), "after");
            sub.stop();
            conn.stop();
        },
        60s);
}

} // namespace
} // namespace senna::redis

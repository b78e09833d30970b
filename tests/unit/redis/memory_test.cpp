// Redis memory against maxmemory (redis/memory.hpp): the INFO memory parser, the levels and
// their crossings, and the watcher against a real redis-server put over its limit.

#include "async_test.hpp"
#include "redis/connection.hpp"
#include "redis/memory.hpp"
#include "support/redis_server.hpp"

#include <gtest/gtest.h>

namespace senna::redis {
namespace {

using namespace std::chrono_literals;
using test::redis_server;
using test::run_async;
using test::wait_until;

// The head of a real `INFO memory` (redis-server 7.0.15), CRLF as Redis sends it.
constexpr const char* info_text = "# Memory\r\n"
                                  "used_memory:2900840\r\n"
                                  "used_memory_human:2.77M\r\n"
                                  "used_memory_rss:9175040\r\n"
                                  "used_memory_peak:2938888\r\n"
                                  "used_memory_peak_perc:98.71%\r\n"
                                  "maxmemory:4194304\r\n"
                                  "maxmemory_human:4.00M\r\n"
                                  "maxmemory_policy:noeviction\r\n"
                                  "mem_fragmentation_ratio:3.21\r\n"
                                  "mem_not_counted_for_evict:8\r\n"
                                  "mem_replication_backlog:0\r\n";

memory_sample sample(std::uint64_t used, std::uint64_t max) {
    memory_sample s;
    s.used = used;
    s.max = max;
    return s;
}

TEST(memory, parses_info_memory) {
    auto s = parse_info_memory(info_text);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->used, 2900840u);
    EXPECT_EQ(s->not_counted, 8u);
    EXPECT_EQ(s->counted(), 2900832u);
    EXPECT_EQ(s->max, 4194304u);
    EXPECT_EQ(s->policy, "noeviction");
    EXPECT_EQ(s->percent(), 69u);
    EXPECT_FALSE(s->full());
    // LF only, and no limit.
    auto n = parse_info_memory("used_memory:100\nmaxmemory:0\n");
    ASSERT_TRUE(n);
    EXPECT_EQ(n->percent(), 0u);
    EXPECT_FALSE(n->full());
}

TEST(memory, refuses_what_is_not_info_memory) {
    EXPECT_FALSE(parse_info_memory(""));
    EXPECT_FALSE(parse_info_memory("# Server\r\nredis_version:7.0.15\r\n"));
    EXPECT_FALSE(parse_info_memory("used_memory:100\r\n"));                 // no maxmemory
    EXPECT_FALSE(parse_info_memory("used_memory:lots\r\nmaxmemory:0\r\n")); // not a number
    EXPECT_FALSE(parse_info_memory("used_memory:-1\r\nmaxmemory:0\r\n"));
}

TEST(memory, full_is_what_redis_refuses_writes_at) {
    // Redis refuses a write when counted memory is over maxmemory, not at it.
    EXPECT_FALSE(sample(1000, 1000).full());
    EXPECT_TRUE(sample(1001, 1000).full());
    EXPECT_FALSE(sample(1u << 30, 0).full()); // no limit
    auto s = sample(1100, 1000);
    s.not_counted = 200; // replica and AOF buffers do not count
    EXPECT_FALSE(s.full());
    EXPECT_EQ(s.percent(), 90u);
}

TEST(memory, levels_rise_at_80_95_and_full) {
    using L = memory_level;
    EXPECT_EQ(next_level(L::normal, sample(79, 100)), L::normal);
    EXPECT_EQ(next_level(L::normal, sample(80, 100)), L::high);
    EXPECT_EQ(next_level(L::high, sample(94, 100)), L::high);
    EXPECT_EQ(next_level(L::high, sample(95, 100)), L::critical);
    EXPECT_EQ(next_level(L::critical, sample(100, 100)), L::critical);
    EXPECT_EQ(next_level(L::critical, sample(101, 100)), L::full);
    // One sample may cross several thresholds at once.
    EXPECT_EQ(next_level(L::normal, sample(200, 100)), L::full);
    EXPECT_EQ(next_level(L::normal, sample(96, 100)), L::critical);
    // Without a limit there is nothing to be close to.
    EXPECT_EQ(next_level(L::full, sample(200, 0)), L::normal);
}

TEST(memory, levels_fall_only_5_points_below_their_threshold) {
    using L = memory_level;
    // Hovering at a threshold stays one crossing.
    EXPECT_EQ(next_level(L::high, sample(79, 100)), L::high);
    EXPECT_EQ(next_level(L::high, sample(75, 100)), L::high);
    EXPECT_EQ(next_level(L::high, sample(74, 100)), L::normal);
    EXPECT_EQ(next_level(L::critical, sample(90, 100)), L::critical);
    EXPECT_EQ(next_level(L::critical, sample(89, 100)), L::high);
    EXPECT_EQ(next_level(L::critical, sample(50, 100)), L::normal);
    // Full is left below 95 %, to the highest level the sample is still within 5 points of.
    EXPECT_EQ(next_level(L::full, sample(99, 100)), L::full);
    EXPECT_EQ(next_level(L::full, sample(95, 100)), L::full);
    EXPECT_EQ(next_level(L::full, sample(94, 100)), L::critical);
    EXPECT_EQ(next_level(L::full, sample(80, 100)), L::high);
    EXPECT_EQ(next_level(L::full, sample(10, 100)), L::normal);
}

TEST(memory, gauge_renders_the_last_sample) {
    memory_gauge g;
    EXPECT_FALSE(g.known());
    std::string out;
    g.render(out);
    EXPECT_NE(out.find("senna_redis_memory_full 0\n"), std::string::npos) << out;
    g.record(sample(5000, 4000));
    EXPECT_TRUE(g.known());
    EXPECT_TRUE(g.full());
    out.clear();
    g.render(out);
    EXPECT_NE(out.find("senna_redis_memory_used_bytes 5000\n"), std::string::npos) << out;
    EXPECT_NE(out.find("senna_redis_memory_max_bytes 4000\n"), std::string::npos) << out;
    EXPECT_NE(out.find("senna_redis_memory_full 1\n"), std::string::npos) << out;
}

TEST(memory, watcher_sees_a_real_redis_fill_and_empty) {
    redis_server server;
    net::asio::io_context ioc;
    endpoint ep;
    ep.host = "127.0.0.1";
    ep.port = server.port();
    connection_options o;
    o.name = "test";
    connection conn(ioc.get_executor(), ep, o);
    memory_gauge gauge;
    memory_watcher watcher(conn, gauge, 20ms);
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn.start();
        watcher.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return gauge.known(); }));
        EXPECT_FALSE(gauge.full());
        EXPECT_EQ(gauge.max(), 0u);
        EXPECT_GT(gauge.used(), 0u);
        // A limit below what an empty Redis already uses: it is full at once.
        server.command({"CONFIG", "SET", "maxmemory", "100000"});
        CO_ASSERT_TRUE(co_await wait_until([&] { return gauge.full(); }));
        EXPECT_EQ(gauge.max(), 100000u);
        EXPECT_EQ(server.command({"SET", "k", "v"}).rfind("OOM ", 0), 0u);
        server.command({"CONFIG", "SET", "maxmemory", "0"});
        CO_ASSERT_TRUE(co_await wait_until([&] { return !gauge.full(); }));
        EXPECT_EQ(gauge.max(), 0u);
        watcher.stop();
        conn.stop();
    });
}

} // namespace
} // namespace senna::redis

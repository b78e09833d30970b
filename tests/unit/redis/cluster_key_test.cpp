// The cluster client's pieces without I/O: splitting an encoded pipeline, the routing key of each
// command, MOVED / ASK, and the slot map from CLUSTER SHARDS / CLUSTER SLOTS replies.

#include "redis/cluster_key.hpp"
#include "redis/request.hpp"
#include "redis/slot_map.hpp"

#include <array>
#include <gtest/gtest.h>

namespace senna::redis {
namespace {

std::optional<std::string_view> key_of(std::initializer_list<std::string_view> args) {
    std::vector<std::string_view> v(args);
    return cluster_key(v);
}

TEST(cluster_key, by_command) {
    EXPECT_EQ(key_of({"GET", "a"}), "a");
    EXPECT_EQ(key_of({"hset", "h", "f", "v"}), "h");
    EXPECT_EQ(key_of({"EVALSHA", "abc", "2", "k1", "k2", "arg"}), "k1");
    EXPECT_EQ(key_of({"EVAL", "return 1", "0", "arg"}), std::nullopt);
    EXPECT_EQ(key_of({"FCALL", "f", "1", "k"}), "k");
    EXPECT_EQ(key_of({"XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "BLOCK", "5", "STREAMS", "s1",
                      ">"}),
              "s1");
    EXPECT_EQ(key_of({"XREAD", "BLOCK", "0", "streams", "s2", "$"}), "s2");
    EXPECT_EQ(key_of({"XGROUP", "CREATE", "st", "g", "$", "MKSTREAM"}), "st");
    EXPECT_EQ(key_of({"XINFO", "CONSUMERS", "st", "g"}), "st");
    EXPECT_EQ(key_of({"PUBLISH", "chan", "m"}), "chan");
    EXPECT_EQ(key_of({"SPUBLISH", "chan", "m"}), "chan");
    for (auto keyless : {"PING", "INFO", "MULTI", "EXEC", "SCRIPT", "CLUSTER", "ping"})
        EXPECT_EQ(key_of({keyless, "x"}), std::nullopt) << keyless;
    EXPECT_EQ(key_of({"DBSIZE"}), std::nullopt);
}

TEST(cluster_key, splits_a_pipeline_into_commands_with_their_keys) {
    request r;
    r.push("SET", "a\r\nb", "v");
    r.push("PING");
    r.push_range("EVALSHA", std::array<std::string_view, 4>{"sha", "1", "{t}k", "x"});
    auto parts = split_commands(r.payload(), 3);
    ASSERT_TRUE(parts.has_value());
    ASSERT_EQ(parts->size(), 3u);
    EXPECT_EQ((*parts)[0].key, "a\r\nb");
    EXPECT_EQ((*parts)[1].key, std::nullopt);
    EXPECT_EQ((*parts)[2].key, "{t}k");
    std::string joined;
    for (const auto& p : *parts)
        joined += p.bytes;
    EXPECT_EQ(joined, r.payload());
    request ping;
    ping.push("PING");
    EXPECT_EQ((*parts)[1].bytes, ping.payload());
}

TEST(cluster_key, refuses_what_a_request_never_encodes) {
    EXPECT_FALSE(split_commands("*1\r\n$4\r\nPING\r\n", 2).has_value());
    EXPECT_FALSE(split_commands("*1\r\n$5\r\nPING\r\n", 1).has_value());
    EXPECT_FALSE(split_commands("PING\r\n", 1).has_value());
    EXPECT_FALSE(split_commands("*2\r\n$4\r\nPING\r\n", 1).has_value());
    EXPECT_FALSE(split_commands("*1\r\n$99999999999999999999\r\n", 1).has_value());
    EXPECT_TRUE(split_commands("", 0).has_value());
}

TEST(slot_map, redirections) {
    auto moved = parse_redirect("MOVED 3999 127.0.0.1:6381");
    ASSERT_TRUE(moved.has_value());
    EXPECT_FALSE(moved->ask);
    EXPECT_EQ(moved->slot, 3999);
    EXPECT_EQ(moved->to, (node_address{"127.0.0.1", 6381}));
    auto ask = parse_redirect("ASK 12 [::1]:7000");
    ASSERT_TRUE(ask.has_value());
    EXPECT_TRUE(ask->ask);
    EXPECT_EQ(ask->to, (node_address{"::1", 7000}));
    auto same_host = parse_redirect("MOVED 1 :7001");
    ASSERT_TRUE(same_host.has_value());
    EXPECT_EQ(same_host->to.host, "");
    EXPECT_FALSE(parse_redirect("ERR unknown").has_value());
    EXPECT_FALSE(parse_redirect("MOVED 16384 h:1").has_value());
    EXPECT_FALSE(parse_redirect("MOVED 1 h:0").has_value());
    EXPECT_FALSE(parse_redirect("MOVED 1 h").has_value());
}

// Replies are views: what the tests build is copied into an owner alive until they end.
replies& built_replies() {
    static replies all;
    return all;
}
reply str(std::string s) {
    return built_replies().push(reply::make_string(s));
}
reply num(long long n) {
    return reply::make_integer(n);
}
reply arr(std::vector<reply> e) {
    return built_replies().push(reply::make_array(e));
}

reply shard_node(std::string endpoint, long long port, std::string role, std::string health) {
    return arr({str("id"), str("abc"), str("port"), num(port), str("ip"), str("10.0.0.9"),
                str("endpoint"), str(std::move(endpoint)), str("role"), str(std::move(role)),
                str("replication-offset"), num(1), str("health"), str(std::move(health))});
}

TEST(slot_map, from_cluster_shards) {
    reply shards = arr({
        arr({str("slots"), arr({num(0), num(5460), num(10923), num(10923)}), str("nodes"),
             arr({shard_node("127.0.0.1", 7000, "master", "online"),
                  shard_node("127.0.0.1", 7003, "replica", "online"),
                  shard_node("127.0.0.1", 7006, "replica", "loading"),
                  shard_node("127.0.0.1", 7007, "replica", "online")})}),
        arr({str("slots"), arr({num(5461), num(10922)}), str("nodes"),
             arr({shard_node("?", 7001, "master", "online"),
                  shard_node("127.0.0.1", 7004, "replica", "failed")})}),
        arr({str("slots"), arr({num(10924), num(16383)}), str("nodes"),
             arr({shard_node("127.0.0.1", 7002, "master", "failed"),
                  shard_node("127.0.0.1", 7005, "replica", "online")})}),
    });
    auto ranges = parse_cluster_shards(shards, {"seed", 1});
    ASSERT_TRUE(ranges.has_value()) << ranges.error();
    ASSERT_EQ(ranges->size(), 3u); // the failed master's slots have no owner
    EXPECT_EQ((*ranges)[0].first, 0);
    EXPECT_EQ((*ranges)[0].last, 5460);
    EXPECT_EQ((*ranges)[0].master, (node_address{"127.0.0.1", 7000}));
    EXPECT_EQ((*ranges)[1].first, 10923);
    EXPECT_EQ((*ranges)[2].master, (node_address{"10.0.0.9", 7001})); // "?": the ip
    // Replicas that are not failed (docs/adr/0020-replica-wait.md).
    EXPECT_EQ((*ranges)[0].replicas, 3u);
    EXPECT_EQ((*ranges)[1].replicas, 3u);
    EXPECT_EQ((*ranges)[2].replicas, 0u);

    slot_map m;
    EXPECT_FALSE(m.loaded());
    m.assign(*ranges, [](const node_address& a) { return static_cast<std::uint16_t>(a.port); });
    EXPECT_TRUE(m.loaded());
    EXPECT_EQ(m.owner(0), 7000);
    EXPECT_EQ(m.owner(10923), 7000);
    EXPECT_EQ(m.owner(6000), 7001);
    EXPECT_EQ(m.owner(16000), slot_map::none);
    m.set(16000, 7005);
    EXPECT_EQ(m.owner(16000), 7005);

    EXPECT_FALSE(parse_cluster_shards(str("x"), {}).has_value());
    EXPECT_FALSE(parse_cluster_shards(arr({arr({str("slots"), num(1)})}), {}).has_value());
}

TEST(slot_map, from_cluster_slots) {
    reply slots = arr({
        arr({num(0), num(8191), arr({str("127.0.0.1"), num(7000), str("id0")}),
             arr({str("127.0.0.1"), num(7003), str("id3")})}),
        arr({num(8192), num(16383), arr({str(""), num(7001), str("id1")})}),
    });
    auto ranges = parse_cluster_slots(slots, {"asked-host", 7001});
    ASSERT_TRUE(ranges.has_value()) << ranges.error();
    ASSERT_EQ(ranges->size(), 2u);
    EXPECT_EQ((*ranges)[0].master, (node_address{"127.0.0.1", 7000}));
    EXPECT_EQ((*ranges)[1].master, (node_address{"asked-host", 7001}));
    EXPECT_EQ((*ranges)[0].replicas, 1u); // the nodes listed after the master
    EXPECT_EQ((*ranges)[1].replicas, 0u);
    EXPECT_FALSE(
        parse_cluster_slots(arr({arr({num(5), num(1), arr({str("h"), num(1)})})}), {}).has_value());
}

} // namespace
} // namespace senna::redis

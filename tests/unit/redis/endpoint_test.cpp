#include "redis/endpoint.hpp"
#include "redis/error.hpp"
#include "redis/stats.hpp"

#include <gtest/gtest.h>

namespace senna::redis {
namespace {

endpoint ok(std::string_view url) {
    auto r = parse_url(url);
    EXPECT_TRUE(r.has_value()) << url << ": " << (r.has_value() ? "" : r.error());
    return r.has_value() ? *r : endpoint();
}

std::string bad(std::string_view url) {
    auto r = parse_url(url);
    EXPECT_FALSE(r.has_value()) << url;
    return r.has_value() ? std::string() : r.error();
}

TEST(parse_url, host_only_takes_defaults) {
    endpoint ep = ok("redis://cache.internal");
    EXPECT_EQ(ep.kind, endpoint::transport::tcp);
    EXPECT_EQ(ep.host, "cache.internal");
    EXPECT_EQ(ep.port, 6379);
    EXPECT_EQ(ep.db, 0);
    EXPECT_TRUE(ep.username.empty());
    EXPECT_TRUE(ep.password.empty());
}

TEST(parse_url, full_form) {
    endpoint ep = ok("redis://alice:s3cret@10.0.0.5:6380/4");
    EXPECT_EQ(ep.host, "10.0.0.5");
    EXPECT_EQ(ep.port, 6380);
    EXPECT_EQ(ep.username, "alice");
    EXPECT_EQ(ep.password, "s3cret");
    EXPECT_EQ(ep.db, 4);
}

TEST(parse_url, password_only) {
    endpoint ep = ok("redis://:pa%40ss@localhost");
    EXPECT_EQ(ep.host, "localhost");
    EXPECT_TRUE(ep.username.empty());
    EXPECT_EQ(ep.password, "pa@ss");
    EXPECT_EQ(ep.port, 6379);
}

TEST(parse_url, trailing_slash_ipv6_and_query) {
    EXPECT_EQ(ok("redis://h:1/").db, 0);
    endpoint v6 = ok("redis://[::1]:7000/2");
    EXPECT_EQ(v6.host, "::1");
    EXPECT_EQ(v6.port, 7000);
    EXPECT_EQ(v6.db, 2);
    endpoint q = ok("redis://h?db=5&password=x");
    EXPECT_EQ(q.db, 5);
    EXPECT_EQ(q.password, "x");
    EXPECT_EQ(ok("REDIS://h").host, "h");
}

TEST(parse_url, unix_socket_forms) {
    endpoint a = ok("unix:///var/run/redis.sock");
    EXPECT_EQ(a.kind, endpoint::transport::unix_socket);
    EXPECT_EQ(a.path, "/var/run/redis.sock");
    EXPECT_EQ(a.db, 0);

    endpoint b = ok("unix:///tmp/r.sock?db=3");
    EXPECT_EQ(b.path, "/tmp/r.sock");
    EXPECT_EQ(b.db, 3);

    endpoint c = ok("redis+unix://:pw@/tmp/r.sock");
    EXPECT_EQ(c.kind, endpoint::transport::unix_socket);
    EXPECT_EQ(c.path, "/tmp/r.sock");
    EXPECT_EQ(c.password, "pw");
}

TEST(parse_url, bad_urls_say_why) {
    EXPECT_NE(bad("localhost:6379").find("scheme"), std::string::npos);
    EXPECT_NE(bad("http://h").find("unsupported scheme"), std::string::npos);
    EXPECT_NE(bad("rediss://h").find("TLS"), std::string::npos);
    EXPECT_NE(bad("redis://").find("missing host"), std::string::npos);
    EXPECT_NE(bad("redis://:pw@").find("missing host"), std::string::npos);
    EXPECT_NE(bad("redis://h:0").find("port"), std::string::npos);
    EXPECT_NE(bad("redis://h:65536").find("port"), std::string::npos);
    EXPECT_NE(bad("redis://h:abc").find("port"), std::string::npos);
    EXPECT_NE(bad("redis://h:").find("port"), std::string::npos);
    EXPECT_NE(bad("redis://h/x").find("database"), std::string::npos);
    EXPECT_NE(bad("redis://h/-1").find("database"), std::string::npos);
    EXPECT_NE(bad("redis://h/99999999999").find("database"), std::string::npos);
    EXPECT_NE(bad("redis://alice@h").find("without a password"), std::string::npos);
    EXPECT_NE(bad("redis://[::1").find("'['"), std::string::npos);
    EXPECT_NE(bad("redis://h?timeout=3").find("unknown query parameter"), std::string::npos);
    EXPECT_NE(bad("redis://:p%zz@h").find("percent"), std::string::npos);
    EXPECT_NE(bad("unix://").find("socket path"), std::string::npos);
    EXPECT_NE(bad("unix://host/tmp/x").find("host"), std::string::npos);
    EXPECT_NE(bad("unix:///tmp/x?db=a").find("database"), std::string::npos);
}

TEST(parse_url, errors_never_contain_the_password) {
    EXPECT_EQ(bad("redis://:hunter2@h:99999").find("hunter2"), std::string::npos);
    EXPECT_EQ(bad("redis://u:hunter2@h/zz").find("hunter2"), std::string::npos);
}

TEST(parse_url, cluster_seeds) {
    endpoint ep = ok("redis+cluster://alice:s%2Cecret@10.0.0.1:7000, 10.0.0.2:7001,[::1]:7002");
    EXPECT_TRUE(ep.cluster());
    ASSERT_EQ(ep.seeds.size(), 3u);
    EXPECT_EQ(ep.seeds[0], (node_address{"10.0.0.1", 7000}));
    EXPECT_EQ(ep.seeds[1], (node_address{"10.0.0.2", 7001}));
    EXPECT_EQ(ep.seeds[2], (node_address{"::1", 7002}));
    EXPECT_EQ(ep.host, "10.0.0.1");
    EXPECT_EQ(ep.port, 7000);
    EXPECT_EQ(ep.username, "alice");
    EXPECT_EQ(ep.password, "s,ecret");
    EXPECT_EQ(ok("redis+cluster://h/0").seeds.size(), 1u);
    EXPECT_EQ(ok("redis+cluster://h").seeds[0].port, 6379);
    EXPECT_EQ(describe(ep), "redis+cluster://alice:***@10.0.0.1:7000,10.0.0.2:7001,[::1]:7002");
    endpoint node = ep.at(ep.seeds[1]);
    EXPECT_FALSE(node.cluster());
    EXPECT_EQ(describe(node), "redis://alice:***@10.0.0.2:7001/0");
    EXPECT_FALSE(ok("redis://h").cluster());
}

TEST(parse_url, cluster_refusals) {
    EXPECT_EQ(bad("redis+cluster://h:1,h:2/3"), "a Redis Cluster has only database 0, got 3");
    EXPECT_EQ(bad("redis+cluster://h:1?db=1"), "a Redis Cluster has only database 0, got 1");
    EXPECT_EQ(bad("redis+cluster://"),
              "missing seed nodes: expected redis+cluster://host:port,host:port");
    EXPECT_EQ(bad("redis+cluster://h:1,"), "seed node '': missing host");
    EXPECT_EQ(bad("redis+cluster://h:1,h:x"),
              "seed node 'h:x': port must be a number from 1 to 65535, got 'x'");
}

TEST(describe, hides_the_password) {
    endpoint ep = ok("redis://alice:hunter2@h:6380/3");
    std::string text = describe(ep);
    EXPECT_EQ(text, "redis://alice:***@h:6380/3");
    EXPECT_EQ(text.find("hunter2"), std::string::npos);
    EXPECT_EQ(describe(ok("redis://:hunter2@h")), "redis://:***@h:6379/0");
    EXPECT_EQ(describe(ok("redis://h")), "redis://h:6379/0");
    EXPECT_EQ(describe(ok("redis://[::1]:1")), "redis://[::1]:1/0");
    EXPECT_EQ(describe(ok("unix:///tmp/r.sock?db=2&password=hunter2")),
              "unix://:***@/tmp/r.sock?db=2");
}

TEST(error, category_and_messages) {
    boost::system::error_code ec = error::timeout;
    EXPECT_STREQ(ec.category().name(), "senna.redis");
    EXPECT_EQ(ec.message(), "redis command timed out");
    EXPECT_EQ(ec, error::timeout);
    EXPECT_NE(ec, error::connection_lost);
}

TEST(stats, renders_prometheus_text) {
    stats s;
    s.commands.inc(3);
    s.errors.inc();
    s.reconnects.inc(2);
    s.latency.observe_us(300);
    std::string out;
    render(out, s);
    EXPECT_NE(out.find("# TYPE senna_redis_commands_total counter\n"), std::string::npos);
    EXPECT_NE(out.find("senna_redis_commands_total 3\n"), std::string::npos);
    EXPECT_NE(out.find("senna_redis_errors_total 1\n"), std::string::npos);
    EXPECT_NE(out.find("senna_redis_reconnects_total 2\n"), std::string::npos);
    EXPECT_NE(out.find("# TYPE senna_redis_command_duration_seconds histogram\n"),
              std::string::npos);
    EXPECT_NE(out.find("senna_redis_command_duration_seconds_count 1\n"), std::string::npos);
}

} // namespace
} // namespace senna::redis

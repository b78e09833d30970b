// The pure parts of src/platform: base URL parsing, query encoding, canonical ids, metrics.

#include "platform/ids.hpp"
#include "platform/stats.hpp"
#include "platform/url.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

namespace senna::platform {
namespace {

TEST(base_url, parses_host_port_and_prefix) {
    std::string why;
    auto u = parse_base_url("http://127.0.0.1:8080/api/", why);
    ASSERT_TRUE(u) << why;
    EXPECT_EQ(u->host, "127.0.0.1");
    EXPECT_EQ(u->port, 8080);
    EXPECT_EQ(u->prefix, "/api/");
    EXPECT_EQ(u->host_header, "127.0.0.1:8080");

    u = parse_base_url("HTTP://platform.example", why);
    ASSERT_TRUE(u) << why;
    EXPECT_EQ(u->host, "platform.example");
    EXPECT_EQ(u->port, 80);
    EXPECT_EQ(u->prefix, "/");
    EXPECT_EQ(u->host_header, "platform.example");

    u = parse_base_url("http://[::1]:3000/v0", why);
    ASSERT_TRUE(u) << why;
    EXPECT_EQ(u->host, "::1");
    EXPECT_EQ(u->prefix, "/v0/"); // the trailing slash is added
    EXPECT_EQ(u->host_header, "[::1]:3000");
}

TEST(base_url, refuses_https_and_malformed_urls) {
    std::string why;
    EXPECT_FALSE(parse_base_url("https://platform.example/", why));
    EXPECT_NE(why.find("https"), std::string::npos);
    for (const char* bad :
         {"", "platform.example/api", "ftp://x/", "http://", "http://:80/", "http://h:0/",
          "http://h:65536/", "http://h:x/", "http://u:p@h/", "http://h/?a=1", "http://h/#f",
          "http://h /", "http://[::1/", "http://h:/"}) {
        why.clear();
        EXPECT_FALSE(parse_base_url(bad, why)) << bad;
        EXPECT_FALSE(why.empty()) << bad;
    }
}

TEST(base_url, webhook_urls_take_https_a_query_and_the_exact_path) {
    std::string why;
    auto u = parse_base_url("https://hooks.example/senna/in?key=a1", why, url_use::webhook);
    ASSERT_TRUE(u) << why;
    EXPECT_TRUE(u->tls);
    EXPECT_EQ(u->port, 443);
    EXPECT_EQ(u->prefix, "/senna/in?key=a1"); // posted to as it is: no slash added
    EXPECT_EQ(u->host_header, "hooks.example");

    u = parse_base_url("https://127.0.0.1:8443", why, url_use::webhook);
    ASSERT_TRUE(u) << why;
    EXPECT_EQ(u->prefix, "/");
    EXPECT_EQ(u->host_header, "127.0.0.1:8443");

    u = parse_base_url("http://h?x=1", why, url_use::webhook);
    ASSERT_TRUE(u) << why;
    EXPECT_FALSE(u->tls);
    EXPECT_EQ(u->prefix, "/?x=1");

    for (const char* bad : {"ftp://h/", "http://h/#f", "http://u:p@h/", "https://:1/"}) {
        why.clear();
        EXPECT_FALSE(parse_base_url(bad, why, url_use::webhook)) << bad;
        EXPECT_NE(why.find("the webhook URL"), std::string::npos) << why;
    }
}

TEST(percent_encode, keeps_unreserved_only) {
    EXPECT_EQ(percent_encode("Az09-_.~"), "Az09-_.~");
    EXPECT_EQ(percent_encode("a b,c&d=é/%"), "a%20b%2Cc%26d%3D%C3%A9%2F%25");
}

TEST(ids, numeric_ids_are_canonical_integers_up_to_2_pow_53_minus_1) {
    EXPECT_TRUE(is_numeric_id("1"));
    EXPECT_TRUE(is_numeric_id("42"));
    EXPECT_TRUE(is_numeric_id("9007199254740991"));
    EXPECT_FALSE(is_numeric_id("9007199254740992"));
    EXPECT_FALSE(is_numeric_id("0"));
    EXPECT_FALSE(is_numeric_id("042"));
    EXPECT_FALSE(is_numeric_id("+4"));
    EXPECT_FALSE(is_numeric_id("-4"));
    EXPECT_FALSE(is_numeric_id("4a"));
    EXPECT_FALSE(is_numeric_id(""));
    EXPECT_FALSE(is_numeric_id("99999999999999999999999"));
}

TEST(ids, canonical_text_of_platform_ids) {
    namespace json = boost::json;
    EXPECT_EQ(canonical_id(json::value(42)), "42");
    EXPECT_EQ(canonical_id(json::value(42u)), "42");
    EXPECT_EQ(canonical_id(json::value(42.0)), "42");
    EXPECT_EQ(canonical_id(json::value("alice")), "alice");
    EXPECT_EQ(canonical_id(json::value("42")), "42");
    EXPECT_FALSE(canonical_id(json::value(42.5)));
    EXPECT_FALSE(canonical_id(json::value(0)));
    EXPECT_FALSE(canonical_id(json::value(-3)));
    EXPECT_FALSE(canonical_id(json::value(nullptr)));
    EXPECT_FALSE(canonical_id(json::value(true)));
    EXPECT_FALSE(canonical_id(json::value("")));
}

TEST(ids, fallback_objects_keep_the_id_type) {
    EXPECT_EQ(boost::json::serialize(fallback_object("42")), R"({"id":42})");
    EXPECT_EQ(boost::json::serialize(fallback_object("alice")), R"({"id":"alice"})");
    EXPECT_EQ(boost::json::serialize(fallback_object("042")), R"({"id":"042"})");
}

TEST(stats, renders_prometheus_names) {
    stats s;
    s.requests.inc(3);
    s.errors.inc();
    s.cache_hits.inc(5);
    s.cache_misses.inc(2);
    s.latency.observe_us(1500);
    std::string out;
    render(out, s);
    EXPECT_NE(out.find("senna_platform_requests_total 3\n"), std::string::npos) << out;
    EXPECT_NE(out.find("senna_platform_errors_total 1\n"), std::string::npos) << out;
    EXPECT_NE(out.find("senna_platform_cache_hits_total 5\n"), std::string::npos) << out;
    EXPECT_NE(out.find("senna_platform_cache_misses_total 2\n"), std::string::npos) << out;
    EXPECT_NE(out.find("senna_platform_request_duration_seconds_count 1\n"), std::string::npos)
        << out;
    EXPECT_NE(out.find("# TYPE senna_platform_request_duration_seconds histogram"),
              std::string::npos);
}

} // namespace
} // namespace senna::platform

#include "http/query.hpp"

#include <gtest/gtest.h>

namespace http = senna::http;

TEST(query, split_target) {
    auto p = http::split_target("/api/list?page=2&x");
    EXPECT_EQ(p.path, "/api/list");
    EXPECT_EQ(p.query, "page=2&x");
    auto q = http::split_target("/api/");
    EXPECT_EQ(q.path, "/api/");
    EXPECT_EQ(q.query, "");
}

TEST(query, percent_decode_keeps_invalid_escapes) {
    EXPECT_EQ(http::percent_decode("a%20b%2Fc"), "a b/c");
    EXPECT_EQ(http::percent_decode("a+b", true), "a b");
    EXPECT_EQ(http::percent_decode("a+b", false), "a+b");
    EXPECT_EQ(http::percent_decode("%zz%4"), "%zz%4");
    EXPECT_EQ(http::percent_decode("%"), "%");
    EXPECT_EQ(http::percent_decode("%e2%82%ac"), "\xE2\x82\xAC");
}

TEST(query, parse_query_in_order_with_duplicates_and_flags) {
    auto q = http::parse_query("page=2&per_page=&no_format&page=3&&a%3Db=c%26d");
    ASSERT_EQ(q.size(), 5u);
    EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"page", "2"}));
    EXPECT_EQ(q[1], (std::pair<std::string, std::string>{"per_page", ""}));
    EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"no_format", ""}));
    EXPECT_EQ(q[3], (std::pair<std::string, std::string>{"page", "3"}));
    EXPECT_EQ(q[4], (std::pair<std::string, std::string>{"a=b", "c&d"}));
    auto v = http::find_query("page=2&page=3", "page");
    EXPECT_TRUE(v.present);
    EXPECT_EQ(v.value, "2");
    EXPECT_FALSE(http::find_query("pages=1", "page").present);
}

#include "chat/id.hpp"

#include <boost/json/value.hpp>

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace chat = senna::chat;

TEST(chat_id, canonical_integers_are_numeric) {
    auto a = chat::id::parse("42");
    ASSERT_TRUE(a);
    EXPECT_TRUE(a->numeric);
    EXPECT_EQ(a->to_json(), boost::json::value(42));
    auto b = chat::id::parse("042");
    ASSERT_TRUE(b);
    EXPECT_FALSE(b->numeric);
    EXPECT_EQ(b->to_json(), boost::json::value("042"));
    auto big = chat::id::parse("9007199254740992"); // 2^53: not a safe integer
    ASSERT_TRUE(big);
    EXPECT_FALSE(big->numeric);
    EXPECT_TRUE(chat::id::parse("9007199254740991")->numeric);
    EXPECT_FALSE(chat::id::parse("0")->numeric);
}

TEST(chat_id, malformed_ids_are_refused) {
    for (const std::string& bad :
         std::vector<std::string>{"", "a b", "a.b", "é", std::string(65, 'a'), "a/b", "%"})
        EXPECT_FALSE(chat::id::parse(bad)) << bad;
    EXPECT_TRUE(chat::id::parse(std::string(64, 'a')));
    EXPECT_TRUE(chat::id::parse("A-z_0"));
}

TEST(chat_id, from_stored_json) {
    EXPECT_EQ(chat::id::from_json(boost::json::value(7))->text, "7");
    EXPECT_EQ(chat::id::from_json(boost::json::value(7.0))->text, "7");
    EXPECT_EQ(chat::id::from_json(boost::json::value("7"))->numeric, true);
    EXPECT_FALSE(chat::id::from_json(boost::json::value(0)));
    EXPECT_FALSE(chat::id::from_json(boost::json::value(-3)));
    EXPECT_FALSE(chat::id::from_json(boost::json::value(1.5)));
    EXPECT_FALSE(chat::id::from_json(boost::json::value(true)));
    EXPECT_FALSE(chat::id::from_json(boost::json::value(nullptr)));
    EXPECT_TRUE(*chat::id::from_json(boost::json::value(42)) == *chat::id::parse("42"));
}

TEST(chat_id, pair_order_numeric_then_bytes) {
    auto n = [](const char* s) { return *chat::id::parse(s); };
    EXPECT_TRUE(chat::comes_first(n("9"), n("10")));      // numeric
    EXPECT_TRUE(chat::comes_first(n("10"), n("9a")));     // bytes: '1' < '9'
    EXPECT_TRUE(chat::comes_first(n("Zed"), n("alice"))); // bytes: 'Z' < 'a'
    EXPECT_FALSE(chat::comes_first(n("10"), n("10")));
}

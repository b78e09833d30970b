#include "chat/message.hpp"

#include <gtest/gtest.h>

namespace chat = senna::chat;

TEST(chat_message, new_messages_serialise_as_the_seed_did) {
    auto m = chat::make_message("215066e1-e4a6-4a67-93b3-372519f7dfff", *chat::id::parse("388636"),
                                1464903516342, "text", "Hello, world!");
    EXPECT_EQ(chat::serialize(m),
              R"({"id":"215066e1-e4a6-4a67-93b3-372519f7dfff","author":388636,)"
              R"("timestamp":"2016-06-02T21:38:36.342Z","type":"text","text":"Hello, world!"})");
    auto s = chat::make_message("x", *chat::id::parse("bob"), 0, "image", "https://a/b.png");
    EXPECT_EQ(chat::serialize(s),
              R"({"id":"x","author":"bob","timestamp":"1970-01-01T00:00:00.000Z",)"
              R"("type":"image","image":"https://a/b.png"})");
}

TEST(chat_message, stored_messages_parse_and_keep_unknown_fields) {
    auto m = chat::parse_stored(R"({"id":"a","author":"7","timestamp":"2016-06-02T21:38:36.342Z",)"
                                R"("type":"text","text":"hi","extra":[1]})");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->id(), "a");
    EXPECT_EQ(m->author()->text, "7");
    EXPECT_EQ(m->type(), "text");
    EXPECT_TRUE(m->json.contains("extra"));
    for (auto bad : {"", "null", "[]", "{}", R"({"id":""})", R"({"id":null})", "{broken"})
        EXPECT_FALSE(chat::parse_stored(bad)) << bad;
}

TEST(chat_message, code_points) {
    EXPECT_EQ(chat::code_points(""), 0u);
    EXPECT_EQ(chat::code_points("abc"), 3u);
    EXPECT_EQ(chat::code_points("\xF0\x9F\x91\x8A\xC3\xA9"), 2u);
}

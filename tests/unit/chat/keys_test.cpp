#include "chat/keys.hpp"

#include <gtest/gtest.h>

namespace chat = senna::chat;

TEST(chat_keys, spec_section_4_layout) {
    chat::keys k("senna-sockets", "myplatform");
    auto me = *chat::id::parse("524376"), other = *chat::id::parse("388636");
    auto dm = k.dm(me, other);
    EXPECT_EQ(dm.state_key, "myplatform:dm:388636-524376");
    EXPECT_EQ(dm.list_key, "senna-sockets:messages:myplatform:dm:388636-524376");
    EXPECT_EQ(dm.data_key, "senna-sockets:messages:myplatform:dm:388636-524376:data");
    EXPECT_EQ(dm.inbox_member, "user-388636");
    EXPECT_EQ(k.dm(other, me).state_key, dm.state_key);
    auto t = k.topic(*chat::id::parse("general"));
    EXPECT_EQ(t.list_key, "senna-sockets:messages:myplatform:topic:general");
    EXPECT_EQ(t.inbox_member, "topic-general");
    EXPECT_EQ(k.inbox(me), "senna-sockets:messages:myplatform:inbox:524376");
    EXPECT_EQ(k.inbox_state_key(me), "myplatform:inbox:524376");
    EXPECT_EQ(k.activity(me), "senna-sockets:messages:myplatform:activity:524376");
}

// redis::key_slot against values Redis itself gives (`CLUSTER KEYSLOT`, and the cluster
// specification's CRC16 check value) and the hash tag rules of the specification.
#include "redis/slot.hpp"

#include <gtest/gtest.h>

namespace senna::redis {
namespace {

TEST(slot, crc16_check_value) {
    // The CRC16-XMODEM check value the cluster specification quotes.
    EXPECT_EQ(crc16("123456789"), 0x31C3);
    EXPECT_EQ(crc16(""), 0);
}

TEST(slot, plain_keys_match_cluster_keyslot) {
    // redis-cli CLUSTER KEYSLOT <key> on redis-server 7.0 (cluster-enabled yes).
    EXPECT_EQ(key_slot("foo"), 12182);
    EXPECT_EQ(key_slot("bar"), 5061);
    EXPECT_EQ(key_slot("hello"), 866);
    EXPECT_EQ(key_slot("123456789"), 12739);
}

TEST(slot, a_tag_is_hashed_alone) {
    EXPECT_EQ(key_slot("{user1000}.following"), key_slot("user1000"));
    EXPECT_EQ(key_slot("{user1000}.followers"), key_slot("{user1000}.following"));
    EXPECT_EQ(hashed_part("a{b}c{d}"), "b");
    EXPECT_EQ(hashed_part("foo{}{bar}"), "foo{}{bar}"); // empty first tag: the whole key
    EXPECT_EQ(hashed_part("foo{{bar}}zap"), "{bar");
    EXPECT_EQ(hashed_part("foo{bar}{zap}"), "bar");
    EXPECT_EQ(hashed_part("no-close{tag"), "no-close{tag");
}

} // namespace
} // namespace senna::redis

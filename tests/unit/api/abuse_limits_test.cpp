#include "api/abuse_limits.hpp"

#include <gtest/gtest.h>
#include <optional>
#include <vector>

namespace api = senna::api;

TEST(abuse_limits, socket_slots_are_capped_per_user_and_released_on_destruction) {
    api::abuse_limits l(api::abuse_settings{{}, {}, 2, 0});
    std::optional<api::abuse_limits::socket_slot> a(l.acquire_socket("1"));
    auto b = l.acquire_socket("1");
    ASSERT_TRUE(*a);
    ASSERT_TRUE(b);
    EXPECT_FALSE(l.acquire_socket("1")); // the third is refused
    EXPECT_EQ(l.sockets_of("1"), 2u);
    EXPECT_TRUE(l.acquire_socket("2")); // another user has their own count (released at once)
    EXPECT_EQ(l.sockets_of("2"), 0u);
    a.reset();
    EXPECT_EQ(l.sockets_of("1"), 1u);
    auto c = l.acquire_socket("1");
    EXPECT_TRUE(c);
    // A moved slot releases once.
    auto moved = std::move(c);
    EXPECT_FALSE(c);
    EXPECT_EQ(l.sockets_of("1"), 2u);
}

TEST(abuse_limits, zero_sockets_means_no_limit_and_nothing_is_left_behind) {
    api::abuse_limits l(api::abuse_settings{{}, {}, 0, 0});
    {
        std::vector<api::abuse_limits::socket_slot> held;
        for (int i = 0; i < 100; ++i) {
            held.push_back(l.acquire_socket("u"));
            ASSERT_TRUE(held.back());
        }
        EXPECT_EQ(l.sockets_of("u"), 100u);
    }
    EXPECT_EQ(l.sockets_of("u"), 0u);
}

TEST(abuse_limits, message_writes_share_one_bucket_per_user) {
    api::abuse_limits l(api::abuse_settings{{1, 3}, {}, 0, 0});
    for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(l.message_write("7").allowed) << i;
    auto no = l.message_write("7");
    EXPECT_FALSE(no.allowed);
    EXPECT_EQ(no.retry_after_seconds(), 1);
    EXPECT_TRUE(l.message_write("8").allowed);
}

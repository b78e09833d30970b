#include "util/rate_limit.hpp"

#include <atomic>
#include <gtest/gtest.h>
#include <string>
#include <thread>
#include <vector>

namespace util = senna::util;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {
// A fixed, arbitrary origin: the logic never reads the clock itself.
const util::rate_clock::time_point t0 = util::rate_clock::time_point{} + std::chrono::hours(1000);
} // namespace

TEST(token_bucket, a_fresh_bucket_allows_the_burst_then_refuses) {
    util::token_bucket b;
    const util::rate r{2, 3}; // 2 a second, 3 saved up
    for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(b.take(r, t0).allowed) << i;
    auto no = b.take(r, t0);
    EXPECT_FALSE(no.allowed);
    EXPECT_EQ(no.retry_after, milliseconds(500)); // one token comes back every 500 ms
    EXPECT_EQ(no.retry_after_seconds(), 1);
    // A refusal takes nothing: asking again at the same time gives the same answer.
    EXPECT_EQ(b.take(r, t0).retry_after, milliseconds(500));
}

TEST(token_bucket, tokens_come_back_at_the_rate_and_never_beyond_the_burst) {
    util::token_bucket b;
    const util::rate r{2, 3};
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(b.take(r, t0).allowed);
    EXPECT_FALSE(b.take(r, t0 + milliseconds(499)).allowed);
    EXPECT_EQ(b.take(r, t0 + milliseconds(499)).retry_after, milliseconds(1));
    EXPECT_TRUE(b.take(r, t0 + milliseconds(500)).allowed);
    EXPECT_FALSE(b.take(r, t0 + milliseconds(500)).allowed);
    // An hour idle refills to the burst, not to 7200 tokens.
    const auto later = t0 + std::chrono::hours(1);
    EXPECT_TRUE(b.full(later));
    for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(b.take(r, later).allowed) << i;
    EXPECT_FALSE(b.take(r, later).allowed);
    EXPECT_FALSE(b.full(later));
}

TEST(token_bucket, steady_use_at_the_rate_is_always_allowed) {
    util::token_bucket b;
    const util::rate r{10, 1}; // no burst at all: one every 100 ms exactly
    for (int i = 0; i < 100; ++i)
        EXPECT_TRUE(b.take(r, t0 + milliseconds(100) * i).allowed) << i;
    EXPECT_FALSE(b.take(r, t0 + milliseconds(100) * 99 + milliseconds(50)).allowed);
}

TEST(token_bucket, retry_after_rounds_up_to_whole_seconds) {
    util::token_bucket b;
    const util::rate r{1, 1};
    ASSERT_TRUE(b.take(r, t0).allowed);
    auto no = b.take(r, t0 + milliseconds(1));
    EXPECT_EQ(no.retry_after, milliseconds(999));
    EXPECT_EQ(no.retry_after_seconds(), 1);
    util::rate_decision d{false, seconds(2) + std::chrono::nanoseconds(1)};
    EXPECT_EQ(d.retry_after_seconds(), 3);
    EXPECT_EQ(util::rate_decision{}.retry_after_seconds(), 1);
}

TEST(token_bucket, zero_rate_or_burst_means_unlimited) {
    util::token_bucket b;
    for (const util::rate r : {util::rate{0, 5}, util::rate{5, 0}, util::rate{}})
        for (int i = 0; i < 1000; ++i)
            ASSERT_TRUE(b.take(r, t0).allowed);
}

TEST(token_bucket, time_running_backwards_adds_no_tokens) {
    util::token_bucket b;
    const util::rate r{1, 2};
    ASSERT_TRUE(b.take(r, t0).allowed);
    ASSERT_TRUE(b.take(r, t0).allowed);
    EXPECT_FALSE(b.take(r, t0 - seconds(30)).allowed);
    EXPECT_FALSE(b.take(r, t0).allowed);
}

TEST(keyed_rate_limiter, keys_have_their_own_buckets) {
    util::keyed_rate_limiter l(util::rate{1, 2});
    EXPECT_TRUE(l.take("a", t0).allowed);
    EXPECT_TRUE(l.take("a", t0).allowed);
    EXPECT_FALSE(l.take("a", t0).allowed);
    EXPECT_TRUE(l.take("b", t0).allowed);
    EXPECT_EQ(l.take("a", t0).retry_after, seconds(1));
    EXPECT_TRUE(l.take("a", t0 + seconds(1)).allowed);
}

TEST(keyed_rate_limiter, forgets_keys_whose_bucket_is_full_again) {
    util::keyed_rate_limiter l(util::rate{10, 5}, 1u << 20, std::chrono::seconds(10));
    for (int i = 0; i < 1000; ++i)
        ASSERT_TRUE(l.take("user-" + std::to_string(i), t0).allowed);
    // Each key's single take is repaid after 100 ms; growth-triggered sweeps at t0 keep every
    // busy key, so nothing is lost while they are busy.
    EXPECT_EQ(l.size(), 1000u);
    // Long after: the first take in each stripe sweeps it (its period has passed) and drops
    // every idle key there; 1000 new keys touch all 16 stripes, so only they remain.
    const auto later = t0 + seconds(11);
    for (int i = 0; i < 1000; ++i)
        ASSERT_TRUE(l.take("other-" + std::to_string(i), later).allowed);
    EXPECT_EQ(l.size(), 1000u);
    // And the old keys, forgotten, start again from a full bucket.
    for (int i = 0; i < 5; ++i)
        EXPECT_TRUE(l.take("user-1", later).allowed);
    EXPECT_FALSE(l.take("user-1", later).allowed);
}

TEST(keyed_rate_limiter, a_busy_key_is_never_forgotten_early) {
    util::keyed_rate_limiter l(util::rate{1, 2}, 1u << 20, milliseconds(1));
    ASSERT_TRUE(l.take("busy", t0).allowed);
    ASSERT_TRUE(l.take("busy", t0).allowed);
    // Sweeps run (period 1 ms) while "busy" still owes tokens: its refusal stands.
    for (int i = 0; i < 200; ++i)
        l.take("k" + std::to_string(i), t0 + milliseconds(500));
    EXPECT_FALSE(l.take("busy", t0 + milliseconds(500)).allowed);
}

TEST(keyed_rate_limiter, max_keys_bounds_memory_and_fails_open_beyond_it) {
    util::keyed_rate_limiter l(util::rate{1, 1}, 16 * 4); // 4 keys per stripe
    for (int i = 0; i < 10000; ++i)
        l.take("k" + std::to_string(i), t0);
    EXPECT_LE(l.size(), 64u);
    // An unremembered key is allowed (one fresh bucket), never refused for being new.
    EXPECT_TRUE(l.take("fresh-key", t0).allowed);
}

TEST(keyed_rate_limiter, unlimited_remembers_nothing) {
    util::keyed_rate_limiter l(util::rate{0, 0});
    for (int i = 0; i < 100; ++i)
        EXPECT_TRUE(l.take("k" + std::to_string(i), t0).allowed);
    EXPECT_EQ(l.size(), 0u);
}

TEST(keyed_rate_limiter, threads_share_one_budget_per_key) {
    util::keyed_rate_limiter l(util::rate{1, 100});
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 100; ++i)
                if (l.take("shared", t0).allowed)
                    ++allowed;
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(allowed.load(), 100); // exactly the burst, whatever the interleaving
}

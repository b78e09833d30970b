// token_cache: same answers as verifier::verify, exp re-checked on every hit, failures not kept.

#include "auth/token_cache.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <string>

namespace auth = senna::auth;
using auth::algorithm;

namespace {

constexpr std::string_view secret = "scene-passage-love-rhyme";
constexpr std::int64_t cache_now = 1'700'000'000;
constexpr std::int64_t leeway = 30;

auth::verifier make_verifier(std::string_view key = secret) {
    auto v = auth::verifier::create(algorithm::hs256, key);
    EXPECT_TRUE(v);
    return std::move(*v);
}

std::string token_for(const std::string& claims) {
    return auth::test::hs_token(algorithm::hs256, secret, claims);
}

} // namespace

TEST(token_cache, a_hit_gives_the_same_identity) {
    auto v = make_verifier();
    auth::token_cache cache;
    const auto t = token_for(R"({"user_id":42,"username":"alice","exp":1700000100})");
    auto first = cache.verify(v, t, cache_now, leeway);
    ASSERT_TRUE(first);
    EXPECT_EQ(cache.size(), 1u);
    auto second = cache.verify(v, t, cache_now + 1, leeway);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->user_id, "42");
    EXPECT_TRUE(second->numeric);
    EXPECT_EQ(second->claims, first->claims);
    EXPECT_EQ(second->expires_at, std::optional<std::int64_t>(1'700'000'100));
}

TEST(token_cache, a_cached_token_still_expires) {
    auto v = make_verifier();
    auth::token_cache cache;
    const auto t = token_for(R"({"user_id":7,"exp":1700000100})");
    ASSERT_TRUE(cache.verify(v, t, cache_now, leeway));
    EXPECT_TRUE(cache.verify(v, t, 1'700'000'129, leeway));
    auto late = cache.verify(v, t, 1'700'000'130, leeway);
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error(), auth::make_error_code(auth::error::expired));
    EXPECT_EQ(cache.size(), 0u);
}

TEST(token_cache, failures_are_not_kept) {
    auto v = make_verifier();
    auth::token_cache cache;
    const auto bad = auth::test::hs_token(algorithm::hs256, "another-secret", R"({"user_id":1})");
    EXPECT_FALSE(cache.verify(v, bad, cache_now, leeway));
    EXPECT_FALSE(cache.verify(v, bad, cache_now, leeway));
    EXPECT_EQ(cache.size(), 0u);
}

TEST(token_cache, entries_belong_to_their_verifier) {
    auto v = make_verifier();
    auto other = make_verifier("a-different-secret");
    auth::token_cache cache;
    const auto t = token_for(R"({"user_id":1})");
    ASSERT_TRUE(cache.verify(v, t, cache_now, leeway));
    auto r = cache.verify(other, t, cache_now, leeway);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), auth::make_error_code(auth::error::bad_signature));
}

TEST(token_cache, stays_within_its_capacity) {
    auto v = make_verifier();
    auth::token_cache cache(3);
    for (int i = 1; i <= 10; ++i) {
        ASSERT_TRUE(cache.verify(v, token_for(R"({"user_id":)" + std::to_string(i) + "}"),
                                 cache_now, leeway));
        EXPECT_LE(cache.size(), 3u);
    }
}

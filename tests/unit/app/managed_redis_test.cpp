// The default maxmemory of the managed Redis (app/managed_redis.hpp).

#include "app/managed_redis.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

namespace senna::app {
namespace {

constexpr std::uint64_t gib = 1ull << 30;

TEST(managed_redis, default_maxmemory_is_half_the_usable_memory) {
    EXPECT_EQ(default_maxmemory(16 * gib, std::nullopt), 8 * gib);
    // A container's limit below the machine's memory is what senna may use.
    EXPECT_EQ(default_maxmemory(64 * gib, 2 * gib), 1 * gib);
    // cgroup v1 says "no limit" with a huge number; a limit above the machine's is no limit.
    EXPECT_EQ(default_maxmemory(16 * gib, 9223372036854771712ull), 8 * gib);
    EXPECT_EQ(default_maxmemory(16 * gib, 32 * gib), 8 * gib);
}

TEST(managed_redis, this_machine_has_a_default_within_half_its_memory) {
    const auto physical = static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                          static_cast<std::uint64_t>(::sysconf(_SC_PAGE_SIZE));
    const auto m = default_maxmemory();
    EXPECT_GT(m, 0u);
    EXPECT_LE(m, physical / 2);
}

} // namespace
} // namespace senna::app

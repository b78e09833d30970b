#include "util/time.hpp"
#include "util/uuid.hpp"

#include <gtest/gtest.h>
#include <set>

namespace util = senna::util;

TEST(time, iso8601_matches_javascript_to_iso_string) {
    EXPECT_EQ(util::iso8601(1464903516342), "2016-06-02T21:38:36.342Z");
    EXPECT_EQ(util::iso8601(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(util::iso8601(951782400000), "2000-02-29T00:00:00.000Z");
    EXPECT_EQ(util::iso8601(-1), "1969-12-31T23:59:59.999Z");
}

TEST(time, parse_time_reads_what_the_seed_stored) {
    EXPECT_EQ(util::parse_time("2016-06-02T21:38:36.342Z"), 1464903516342);
    EXPECT_EQ(util::parse_time("2016-06-02T21:38:36Z"), 1464903516000);
    EXPECT_EQ(util::parse_time("2016-06-02T21:38:36.3429Z"), 1464903516342);
    EXPECT_EQ(util::parse_time("2016-06-02T23:38:36.342+02:00"), 1464903516342);
    EXPECT_EQ(util::parse_time("2016-06-02"), 1464825600000);
    EXPECT_EQ(util::parse_time("1464903516342"), 1464903516342);
    for (auto bad : {"", "yesterday", "2016-13-01", "2016-02-30T00:00:00Z", "2016-06-02T24:00Z",
                     "2016-06-02T21:38:36.Z", "2016-06-02T21:38:36.342Q", "2016-06-02 21:38"})
        EXPECT_FALSE(util::parse_time(bad)) << bad;
    for (std::int64_t ms : {0LL, 1464903516342LL, 4102444800123LL})
        EXPECT_EQ(util::parse_time(util::iso8601(ms)), ms);
}

TEST(uuid, v4_format_and_uniqueness) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        auto u = util::uuid_v4();
        ASSERT_EQ(u.size(), 36u);
        EXPECT_EQ(u[8], '-');
        EXPECT_EQ(u[14], '4');
        EXPECT_TRUE(u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b') << u;
        seen.insert(u);
    }
    EXPECT_EQ(seen.size(), 1000u);
}

#include "util/time.hpp"
#include "util/uuid.hpp"

#include <gtest/gtest.h>
#include <set>
#include <string>

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

// The splice (api/message_text.cpp) copies a stored time that iso8601 would write again instead
// of writing it: written_as_iso8601 says so exactly, for every text parse_time accepts.
TEST(time, written_as_iso8601_is_exact_for_what_parse_time_accepts) {
    // splitmix64: no <random> (log_test's `log` alias shares this unity unit with <cmath>'s).
    std::uint64_t state = 7;
    const auto next = [&state] {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        return z ^ (z >> 31);
    };
    constexpr std::int64_t first = -62167219200000, last = 253402300799999; // years 0000..9999
    for (int i = 0; i < 20000; ++i) {
        const auto ms = first + static_cast<std::int64_t>(
                                    next() % static_cast<std::uint64_t>(last - first + 1));
        const std::string iso = util::iso8601(ms);
        ASSERT_EQ(util::parse_time(iso), ms) << iso;
        ASSERT_TRUE(util::written_as_iso8601(iso)) << iso;
    }
    // Texts near the layout, each character sometimes replaced: wherever parse_time accepts one,
    // written_as_iso8601 says whether iso8601 writes it again.
    const std::string_view shapes[] = {"2016-06-02T21:38:36.342Z",  "2016-06-02T21:38:36Z",
                                       "2016-06-02T21:38:36.3Z",    "2016-06-02T21:38:36.34567Z",
                                       "2016-06-02T21:38Z",         "2016-06-02T21:38:36.342",
                                       "2016-06-02T21:38:36+01:00", "2016-06-02"};
    const std::string_view swaps = "0123456789-T:.Z+ x";
    int accepted = 0, exact = 0;
    for (int i = 0; i < 200000; ++i) {
        std::string t(shapes[next() % std::size(shapes)]);
        for (char& c : t)
            if (next() % 8 == 0)
                c = swaps[next() % swaps.size()];
        const auto ms = util::parse_time(t);
        if (!ms)
            continue;
        ++accepted;
        const bool again = util::iso8601(*ms) == t;
        exact += again;
        ASSERT_EQ(util::written_as_iso8601(t), again) << t;
    }
    EXPECT_GT(accepted, 1000);
    EXPECT_GT(exact, 100);
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

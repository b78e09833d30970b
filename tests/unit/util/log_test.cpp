#include "util/log.hpp"

#include <gtest/gtest.h>

namespace log = senna::log;

TEST(log, formats_one_logfmt_line) {
    auto line = log::format(log::level::info, "request",
                            {{"method", "GET"}, {"status", 200}, {"route", "/api/:target/:id"}},
                            1464903516342);
    EXPECT_EQ(line, "2016-06-02T21:38:36.342Z info request method=GET status=200 "
                    "route=/api/:target/:id\n");
}

TEST(log, quotes_values_with_spaces_quotes_and_control_characters) {
    auto line =
        log::format(log::level::warn, "x", {{"a", "b c"}, {"q", "say \"hi\"\n"}, {"e", ""}}, 0);
    EXPECT_EQ(line, "1970-01-01T00:00:00.000Z warn x a=\"b c\" q=\"say \\\"hi\\\"\\n\" e=\"\"\n");
}

TEST(log, parse_level) {
    log::level l{};
    EXPECT_TRUE(log::parse_level("debug", l));
    EXPECT_EQ(l, log::level::debug);
    EXPECT_FALSE(log::parse_level("verbose", l));
}

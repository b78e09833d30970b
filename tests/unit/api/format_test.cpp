#include "api/format.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

namespace api = senna::api;

TEST(api_format, pagination_defaults_caps_and_aliases) {
    auto p = [](std::string_view q) {
        auto r = api::pagination(q);
        return std::pair<std::uint64_t, std::uint64_t>{r.page, r.per_page};
    };
    using pr = std::pair<std::uint64_t, std::uint64_t>;
    EXPECT_EQ(p(""), (pr{1, 10}));
    EXPECT_EQ(p("page=3&per_page=20"), (pr{3, 20}));
    EXPECT_EQ(p("limit=5"), (pr{1, 5}));
    EXPECT_EQ(p("limit=5&per_page=7"), (pr{1, 7}));
    EXPECT_EQ(p("limit=5&per_page=abc"), (pr{1, 10}));
    EXPECT_EQ(p("per_page=101"), (pr{1, 100}));
    EXPECT_EQ(p("page=0&per_page=0"), (pr{1, 10}));
    EXPECT_EQ(p("page=-2"), (pr{1, 10}));
    EXPECT_EQ(p("page=+2"), (pr{1, 10}));
    EXPECT_EQ(p("page=2.0"), (pr{1, 10}));
    EXPECT_EQ(p("page=1&page=2"), (pr{1, 10}));
    EXPECT_EQ(p("page=9007199254740992"), (pr{1, 10}));
    EXPECT_EQ(p("page=9007199254740991"), (pr{9007199254740991ull, 10}));
    EXPECT_EQ(p("page=%32"), (pr{2, 10}));
}

TEST(api_format, message_json_turns_times_into_ts) {
    auto m = senna::chat::parse_stored(
        R"({"id":"a","author":1,"timestamp":"2016-06-02T21:38:36.342Z","type":"text","text":"hi",)"
        R"("edited":"2016-06-02T21:40:00.000Z","status":"seen"})");
    ASSERT_TRUE(m);
    EXPECT_EQ(
        boost::json::serialize(api::message_json(*m)),
        R"({"id":"a","author":1,"timestamp":{"epoch":1464903516342,"iso":"2016-06-02T21:38:36.342Z"},)"
        R"("type":"text","text":"hi","edited":{"epoch":1464903600000,"iso":"2016-06-02T21:40:00.000Z"},)"
        R"("status":"seen"})");
    auto bad = senna::chat::parse_stored(R"({"id":"b","timestamp":"yesterday"})");
    EXPECT_EQ(boost::json::serialize(api::message_json(*bad)), R"({"id":"b","timestamp":null})");
}

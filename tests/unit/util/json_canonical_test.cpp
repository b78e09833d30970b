#include "util/json_canonical.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>
#include <random>
#include <string>
#include <vector>

using senna::util::canonical_json;
using senna::util::canonical_object;

namespace {
// What the splice relies on: Boost.JSON writes a canonical text back unchanged.
std::string round_trip(std::string_view text) {
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    return ec ? std::string("<parse error>") : boost::json::serialize(v);
}
} // namespace

TEST(util_json_canonical, what_the_serializer_writes_is_canonical) {
    const std::vector<std::string> texts = {
        R"({})",
        R"([])",
        R"("")",
        R"(0)",
        R"(-1)",
        R"(123456789012345678)",
        R"(-123456789012345678)",
        R"(true)",
        R"(false)",
        R"(null)",
        R"({"a":1,"b":[1,2,{"c":null}],"d":{"e":"f"}})",
        R"({"id":"x","text":"a\"b\\c\b\f\n\r\t\u0000\u001f\u0001\u000b\u001e"})",
        "{\"text\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf "
        "/\x7f\"}",
        R"({"a":{},"b":[],"c":[[]],"":""})",
        R"({"k":"v","K":"v"})",
    };
    for (const auto& t : texts) {
        EXPECT_TRUE(canonical_json(t)) << t;
        EXPECT_EQ(round_trip(t), t);
    }
}

TEST(util_json_canonical, anything_else_is_not) {
    const std::vector<std::string> texts = {
        "",
        " {}",
        "{} ",
        "{ }",
        R"({"a": 1})",
        R"({"a":1 })",
        "[1, 2]",
        "1.0",
        "1e3",
        "1E3",
        "-0",
        "01",
        "1234567890123456789",  // 19 digits: int64 to the parser, refused all the same
        "18446744073709551616", // past uint64: a double to the parser
        R"("\/")",
        R"("\u0041")",
        R"("\u00e9")",
        R"("\u000a")",
        R"("\u000A")",
        R"("\u001F")",
        R"("\ud83d\ude00")",
        "\"a\x01\"",
        "\"\xc3\"",             // truncated
        "\"\xc0\xaf\"",         // overlong
        "\"\xe0\x80\xaf\"",     // overlong
        "\"\xed\xa0\x80\"",     // a surrogate
        "\"\xf4\x90\x80\x80\"", // past U+10FFFF
        "\"\xff\"",
        "\"\x80\"",
        R"({"a":1,"a":2})",
        R"({"a":{"b":1,"b":1}})",
        R"({"a\"":1,"a\"":2})",
        R"({"a":1,})",
        R"([1,])",
        R"({"a"})",
        R"({1:2})",
        "tru",
        "nul",
        "True",
        "{\"a\":1}x",
        "{\"a\":1}{}",
        R"("abc)",
        "[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]", // 17 levels
    };
    for (const auto& t : texts)
        EXPECT_FALSE(canonical_json(t)) << t;
    EXPECT_TRUE(canonical_json("[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]")); // 16 levels
}

TEST(util_json_canonical, object_members_point_into_the_text) {
    canonical_object o;
    const std::string t = R"({"id":"x","n":-5,"o":{"a":[1,"]"]},"s":"a\"b"})";
    ASSERT_TRUE(o.read(t));
    ASSERT_EQ(o.members().size(), 4u);
    EXPECT_EQ(o.members()[0].key, "id");
    EXPECT_EQ(o.members()[0].value, "\"x\"");
    EXPECT_EQ(o.members()[1].value, "-5");
    EXPECT_EQ(o.members()[2].value, R"({"a":[1,"]"]})");
    EXPECT_EQ(o.members()[3].key, "s");
    EXPECT_EQ(o.members()[3].value, R"("a\"b")");
    EXPECT_EQ(o.find("n"), "-5");
    EXPECT_EQ(o.find("missing"), "");

    EXPECT_FALSE(o.read("[1]"));
    EXPECT_TRUE(o.members().empty());
    EXPECT_TRUE(o.read("{}"));
    EXPECT_TRUE(o.members().empty());

    std::string wide = "{";
    for (int i = 0; i < 17; ++i)
        wide += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":1";
    wide += "}";
    EXPECT_FALSE(o.read(wide)); // more keys than it keeps: the parser's
    EXPECT_TRUE(canonical_json(R"({"a":1})"));
}

// Random texts over JSON's alphabet: whatever is called canonical is written back unchanged.
TEST(util_json_canonical, random_texts_called_canonical_round_trip) {
    static const std::vector<std::string> pieces = {
        "{",     "}",
        "[",     "]",
        ",",     ":",
        "\"",    "\"a\"",
        "\"b\"", "1",
        "-",     "0",
        ".",     "e",
        "2",     " ",
        "true",  "null",
        "\\",    "\\n",
        "\\u00", "\\u001f",
        "1f",    "\xc3\xa9",
        "\xc3",  "\xed\xa0\x80",
        "\x01",  "/",
        "\\/",   "{\"a\":",
        "[1,",   "\"k\":\"v\"",
    };
    std::mt19937 rng(19);
    std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1), len(1, 12);
    int canonical = 0;
    for (int n = 0; n < 200000; ++n) {
        std::string t;
        for (std::size_t i = len(rng); i > 0; --i)
            t += pieces[pick(rng)];
        if (!canonical_json(t))
            continue;
        ++canonical;
        ASSERT_EQ(round_trip(t), t);
    }
    EXPECT_GT(canonical, 100);
}

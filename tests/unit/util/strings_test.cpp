#include "util/strings.hpp"

#include <cstdio>
#include <gtest/gtest.h>
#include <string>

namespace util = senna::util;

TEST(strings, iequals_ignores_ascii_case_only) {
    EXPECT_TRUE(util::iequals("X-Auth-Token", "x-auth-token"));
    EXPECT_FALSE(util::iequals("abc", "abd"));
    EXPECT_FALSE(util::iequals("abc", "ab"));
}

TEST(strings, trim_and_split) {
    EXPECT_EQ(util::trim("  a b \t"), "a b");
    EXPECT_EQ(util::trim(""), "");
    auto parts = util::split("a,,b", ',');
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(parts[0], "a");
    EXPECT_EQ(parts[1], "");
    EXPECT_EQ(parts[2], "b");
}

TEST(strings, parse_uint_accepts_only_plain_digits) {
    EXPECT_EQ(util::parse_uint("0"), 0u);
    EXPECT_EQ(util::parse_uint("18446744073709551615"), UINT64_MAX);
    EXPECT_FALSE(util::parse_uint("18446744073709551616"));
    EXPECT_FALSE(util::parse_uint(""));
    EXPECT_FALSE(util::parse_uint("-1"));
    EXPECT_FALSE(util::parse_uint("+1"));
    EXPECT_FALSE(util::parse_uint(" 1"));
    EXPECT_FALSE(util::parse_uint("1a"));
}

TEST(strings, valid_utf8) {
    EXPECT_TRUE(util::valid_utf8("plain ascii"));
    EXPECT_TRUE(util::valid_utf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x91\x8A")); // é € 👊
    EXPECT_FALSE(util::valid_utf8("\xC3"));                                // truncated
    EXPECT_FALSE(util::valid_utf8("\xC0\xAF"));                            // overlong '/'
    EXPECT_FALSE(util::valid_utf8("\xED\xA0\x80"));                        // surrogate
    EXPECT_FALSE(util::valid_utf8("\xF4\x90\x80\x80"));                    // > U+10FFFF
    EXPECT_FALSE(util::valid_utf8("\xFF"));
    EXPECT_FALSE(util::valid_utf8("a\x80"));
}

TEST(strings, utf8_unfinished_reports_a_code_point_cut_at_the_end) {
    EXPECT_EQ(util::utf8_unfinished("abc"), 0u);
    EXPECT_EQ(util::utf8_unfinished("abc\xC3"), 1u);
    EXPECT_EQ(util::utf8_unfinished("\xE2\x82"), 2u);
    EXPECT_EQ(util::utf8_unfinished("0123456789\xF0\x9F\x91"), 3u);
    // Checked as far as it goes: no continuation makes these well-formed.
    EXPECT_EQ(util::utf8_unfinished("\xED\xA0"), std::nullopt);     // surrogate
    EXPECT_EQ(util::utf8_unfinished("\xE0\x80"), std::nullopt);     // overlong
    EXPECT_EQ(util::utf8_unfinished("\xF4\x90"), std::nullopt);     // > U+10FFFF
    EXPECT_EQ(util::utf8_unfinished("\xF0\x9F\x41"), std::nullopt); // third byte not 10xxxxxx
    EXPECT_EQ(util::utf8_unfinished("\xF5"), std::nullopt);
}

TEST(strings, append_json_string_escapes_as_json_stringify) {
    std::string out;
    util::append_json_string("\b\f\r\t\x1f\x7f", out);
    EXPECT_EQ(out, "\"\\b\\f\\r\\t\\u001f\x7f\"");
}

// The word-at-a-time scan against a byte-by-byte reference: every byte that needs an escape, at
// every offset within and across 8-byte words, among bytes that do not (ASCII and UTF-8).
TEST(strings, append_json_string_matches_a_byte_by_byte_escape_at_every_offset) {
    const auto reference = [](std::string_view s) {
        std::string r = "\"";
        char buf[8];
        for (unsigned char c : s) {
            if (c == '"' || c == '\\') {
                r += '\\';
                r += static_cast<char>(c);
            } else if (c == '\b') {
                r += "\\b";
            } else if (c == '\f') {
                r += "\\f";
            } else if (c == '\n') {
                r += "\\n";
            } else if (c == '\r') {
                r += "\\r";
            } else if (c == '\t') {
                r += "\\t";
            } else if (c < 0x20) {
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                r += buf;
            } else {
                r += static_cast<char>(c);
            }
        }
        return r + "\"";
    };
    const std::string filler = "ab\xc3\xa9 \x7f!#[]~\xf0\x9f\x98\x80z";
    for (int special = 0; special < 0x60; ++special) {
        const char c = special < 0x20 ? char(special) : special < 0x40 ? '"' : '\\';
        for (std::size_t at = 0; at < 20; ++at) {
            std::string s = filler.substr(0, at);
            s += c;
            s += filler.substr(0, (at * 7) % filler.size());
            std::string out = "x";
            util::append_json_string(s, out);
            ASSERT_EQ(out, "x" + reference(s)) << special << " at " << at;
        }
    }
    for (std::size_t n = 0; n < 40; ++n) { // nothing to escape, every length
        const std::string s = (filler + filler).substr(0, n);
        std::string out;
        util::append_json_string(s, out);
        ASSERT_EQ(out, reference(s)) << n;
    }
}

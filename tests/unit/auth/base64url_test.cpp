#include "auth/base64url.hpp"

#include <gtest/gtest.h>

using senna::auth::base64url_decode;
using senna::auth::base64url_encode;

TEST(base64url, round_trips_every_length_and_byte) {
    std::string bytes;
    for (int i = 0; i < 300; ++i) {
        EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes) << "length " << i;
        bytes += static_cast<char>(i * 37 + 11);
    }
}

TEST(base64url, uses_the_url_alphabet_without_padding) {
    EXPECT_EQ(base64url_encode(""), "");
    EXPECT_EQ(base64url_encode("f"), "Zg");
    EXPECT_EQ(base64url_encode("fo"), "Zm8");
    EXPECT_EQ(base64url_encode("foo"), "Zm9v");
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
    EXPECT_EQ(base64url_decode("-_8"), "\xfb\xff");
}

TEST(base64url, rejects_padding_foreign_characters_and_bad_lengths) {
    EXPECT_FALSE(base64url_decode("Zg=="));
    EXPECT_FALSE(base64url_decode("Zg="));
    EXPECT_FALSE(base64url_decode("+/8"));
    EXPECT_FALSE(base64url_decode("Zm 9v"));
    EXPECT_FALSE(base64url_decode("Zm9v\n"));
    EXPECT_FALSE(base64url_decode("Z"));
    EXPECT_FALSE(base64url_decode("Zm9vZ"));
    EXPECT_FALSE(base64url_decode(std::string_view("Zm\0v", 4)));
}

TEST(base64url, rejects_non_canonical_trailing_bits) {
    EXPECT_EQ(base64url_decode("Zg"), "f");
    EXPECT_FALSE(base64url_decode("Zh")); // same byte, a low bit set in the unused tail
    EXPECT_EQ(base64url_decode("Zm8"), "fo");
    EXPECT_FALSE(base64url_decode("Zm9"));
}

#include "redis/request.hpp"
#include "redis/script.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <map>
#include <string>
#include <vector>

namespace senna::redis {
namespace {

TEST(request, encodes_one_command_as_array_of_bulk_strings) {
    request r;
    r.push("SET", "key", "value");
    EXPECT_EQ(r.payload(), "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n");
    EXPECT_EQ(r.size(), 1u);
}

TEST(request, pipeline_of_commands) {
    request r;
    r.push("PING");
    r.push("GET", std::string("k"));
    EXPECT_EQ(r.size(), 2u);
    EXPECT_EQ(r.payload(), "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
}

TEST(request, integer_arguments_in_decimal) {
    request r;
    std::string_view key = "k";
    r.push("SETEX", key, 60, "v");
    r.push("INCRBY", key, -5);
    r.push("X", std::uint64_t{18446744073709551615u}, static_cast<short>(7));
    EXPECT_EQ(r.payload(), "*4\r\n$5\r\nSETEX\r\n$1\r\nk\r\n$2\r\n60\r\n$1\r\nv\r\n"
                           "*3\r\n$6\r\nINCRBY\r\n$1\r\nk\r\n$2\r\n-5\r\n"
                           "*3\r\n$1\r\nX\r\n$20\r\n18446744073709551615\r\n$1\r\n7\r\n");
}

TEST(request, binary_and_empty_arguments) {
    request r;
    r.push("SET", std::string("a\r\nb\0", 5), "");
    EXPECT_EQ(r.payload(), std::string("*3\r\n$3\r\nSET\r\n$5\r\na\r\nb\0\r\n$0\r\n\r\n", 30));
}

TEST(request, push_range_with_key) {
    request r;
    std::vector<std::string> fields{"f1", "f2"};
    r.push_range("HMGET", "h", fields);
    EXPECT_EQ(r.payload(), "*4\r\n$5\r\nHMGET\r\n$1\r\nh\r\n$2\r\nf1\r\n$2\r\nf2\r\n");
    EXPECT_EQ(r.size(), 1u);
}

TEST(request, push_range_without_key_and_of_integers) {
    request r;
    std::vector<std::string_view> keys{"a", "b", "c"};
    r.push_range("DEL", keys);
    std::vector<int> ids{1, 22};
    r.push_range("SADD", "s", ids);
    EXPECT_EQ(r.payload(), "*4\r\n$3\r\nDEL\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
                           "*4\r\n$4\r\nSADD\r\n$1\r\ns\r\n$1\r\n1\r\n$2\r\n22\r\n");
}

TEST(request, push_range_of_pairs_expands_to_two_arguments) {
    request r;
    std::map<std::string, std::string> fields{{"a", "1"}, {"b", "2"}};
    r.push_range("HSET", "h", fields);
    EXPECT_EQ(r.payload(),
              "*6\r\n$4\r\nHSET\r\n$1\r\nh\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
}

TEST(request, empty_range) {
    request r;
    r.push_range("DEL", std::vector<std::string>{});
    EXPECT_EQ(r.payload(), "*1\r\n$3\r\nDEL\r\n");
}

TEST(request, append_and_clear) {
    request a;
    a.push("PING");
    request b;
    b.push("ECHO", "x");
    a.append(b);
    EXPECT_EQ(a.size(), 2u);
    EXPECT_EQ(a.payload(), "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n");
    a.clear();
    EXPECT_TRUE(a.empty());
    EXPECT_EQ(a.payload(), "");
}

// EVALSHA's parts in turn, as push_range writes them, after what the request held.
TEST(request, push_spans_writes_the_parts_in_turn) {
    const std::vector<std::string_view> head{"sha", "2"}, keys{"k1", "k2"}, args{"", "a"};
    request a;
    a.push("PING");
    a.push_spans("EVALSHA", {head, keys, args});
    request b;
    b.push("PING");
    b.push_range("EVALSHA", std::vector<std::string_view>{"sha", "2", "k1", "k2", "", "a"});
    EXPECT_EQ(a.payload(), b.payload());
    EXPECT_EQ(a.size(), 2u);
    a.clear();
    a.push_spans("EXEC", {});
    EXPECT_EQ(a.payload(), "*1\r\n$4\r\nEXEC\r\n");
}

// The buffer grows as arguments of any size arrive; copies and moves keep the bytes, and a
// cleared request reused for another pipeline holds only the new one.
TEST(request, grows_copies_moves_and_is_reused_after_clear) {
    const std::string big(100000, 'x');
    request a;
    for (int i = 0; i < 300; ++i)
        a.push("SET", "k" + std::to_string(i), i);
    a.push("SET", "big", big);
    std::string expected;
    for (int i = 0; i < 300; ++i) {
        const std::string k = "k" + std::to_string(i), v = std::to_string(i);
        expected += "*3\r\n$3\r\nSET\r\n$" + std::to_string(k.size()) + "\r\n" + k + "\r\n$" +
                    std::to_string(v.size()) + "\r\n" + v + "\r\n";
    }
    expected += "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$100000\r\n" + big + "\r\n";
    EXPECT_EQ(a.payload(), expected);
    EXPECT_EQ(a.size(), 301u);

    request copy = a;
    EXPECT_EQ(copy.payload(), expected);
    EXPECT_EQ(copy.size(), 301u);
    request assigned;
    assigned.push("PING");
    assigned = copy;
    EXPECT_EQ(assigned.payload(), expected);
    request moved = std::move(copy);
    EXPECT_EQ(moved.payload(), expected);
    EXPECT_EQ(moved.size(), 301u);
    EXPECT_TRUE(copy.empty()); // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_EQ(copy.payload(), "");

    // A request appended to itself, and its own bytes as an argument, as std::string would
    // (each one large enough that the buffer has to grow under the bytes being copied).
    const std::string long_arg(200, 'y');
    request self;
    self.push("ECHO", long_arg);
    const std::string once(self.payload());
    self.append(self);
    EXPECT_EQ(self.payload(), once + once);
    EXPECT_EQ(self.size(), 2u);
    request echo;
    echo.push("ECHO", long_arg);
    echo.push("ECHO", echo.payload());
    EXPECT_EQ(echo.payload(), once + "*2\r\n$4\r\nECHO\r\n$" + std::to_string(once.size()) +
                                  "\r\n" + once + "\r\n");

    a.clear();
    a.push("GET", "k");
    EXPECT_EQ(a.payload(), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    request empty;
    EXPECT_EQ(empty.payload(), "");
    request empty_copy = empty;
    EXPECT_EQ(empty_copy.payload(), "");
}

TEST(script, sha1_matches_redis) {
    EXPECT_EQ(script("return 1").sha1(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    EXPECT_EQ(script("").sha1(), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    EXPECT_EQ(script("return 1").body(), "return 1");
}

} // namespace
} // namespace senna::redis

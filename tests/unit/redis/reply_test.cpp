// The reply owner (redis/reply.hpp): views stay valid while it lives, whatever it goes through.
#include "redis/reader.hpp"
#include "redis/reply.hpp"

#include <gtest/gtest.h>
#include <string>
#include <utility>
#include <vector>

namespace senna::redis {
namespace {

replies read_all(std::string_view bytes) {
    reader rd;
    rd.feed(bytes);
    replies out;
    for (;;) {
        auto next = rd.next(out);
        EXPECT_TRUE(next.has_value()) << rd.last_error();
        if (!next || !*next)
            break;
    }
    return out;
}

TEST(replies, views_survive_moves_and_later_pushes) {
    replies a = read_all("*2\r\n$5\r\nhello\r\n*1\r\n:7\r\n+OK\r\n");
    ASSERT_EQ(a.size(), 2u);
    const reply first = a[0];
    const std::string_view hello = first.elements[0].as_string();
    const char* where = hello.data();

    replies b(std::move(a));
    replies c;
    c = std::move(b);
    // Enough pushes to need new blocks: the old ones stay where they are.
    const std::string big(5000, 'x');
    for (int i = 0; i < 100; ++i)
        c.push(reply::make_string(big));
    EXPECT_EQ(hello, "hello");
    EXPECT_EQ(c[0].elements[0].as_string().data(), where);
    EXPECT_EQ(first.elements[1].elements[0].integer, 7);
    EXPECT_EQ(c[1].as_string(), "OK");
    EXPECT_EQ(c.size(), 102u);
    EXPECT_EQ(c.back().as_string().size(), 5000u);
    // What was moved from is empty, and takes replies again.
    EXPECT_TRUE(a.empty()); // NOLINT(bugprone-use-after-move)
    a.push(reply::make_string("again"));
    EXPECT_EQ(a[0].as_string(), "again");
}

TEST(replies, push_copies_deeply) {
    replies kept;
    reply copy;
    {
        const replies source = read_all("*3\r\n$1\r\na\r\n*2\r\n$-1\r\n-ERR no\r\n:42\r\n");
        copy = kept.push(source[0]);
    } // the source is gone: the copy lives in `kept`
    EXPECT_EQ(to_debug_string(copy), "[\"a\", [(nil), -ERR no], :42]");
    EXPECT_EQ(to_debug_string(kept[0]), to_debug_string(copy));
    EXPECT_TRUE(copy.elements[1].elements[1].is_error_code("ERR"));
}

TEST(replies, front_of_none_is_nil_and_clear_empties) {
    replies none;
    EXPECT_TRUE(none.front().is_nil());
    replies some = read_all(":1\r\n:2\r\n");
    EXPECT_EQ(some.front().integer, 1);
    some.clear();
    EXPECT_TRUE(some.empty());
    reader rd;
    rd.feed("$3\r\nabc\r\n");
    auto next = rd.next(some);
    ASSERT_TRUE(next && *next);
    ASSERT_EQ(some.size(), 1u);
    EXPECT_EQ(some[0].as_string(), "abc");
}

TEST(replies, arrays_of_arrays_keep_their_elements_apart) {
    // Pre-order from hiredis, laid out with each array's elements contiguous.
    replies r = read_all("*3\r\n*2\r\n:1\r\n*1\r\n:2\r\n*0\r\n*2\r\n$1\r\nx\r\n*1\r\n$1\r\ny\r\n");
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(to_debug_string(r[0]), "[[:1, [:2]], [], [\"x\", [\"y\"]]]");
    std::vector<long long> seen;
    for (const reply& e : r[0].elements[0].elements)
        seen.push_back(e.is_array() ? -1 : e.integer);
    EXPECT_EQ(seen, (std::vector<long long>{1, -1}));
}

} // namespace
} // namespace senna::redis

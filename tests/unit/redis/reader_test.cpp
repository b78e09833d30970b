#include "redis/error.hpp"
#include "redis/reader.hpp"

#include <gtest/gtest.h>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace senna::redis {
namespace {

// A reader with an owner for everything it reads: next() yields a view that lives as long as
// the test_reader does.
class test_reader {
public:
    explicit test_reader(reader_limits limits = {}) : rd_(limits) {}
    void feed(std::string_view bytes) { rd_.feed(bytes); }
    boost::system::result<std::optional<reply>> next() {
        auto n = rd_.next(got_);
        if (!n)
            return n.error();
        if (!*n)
            return std::optional<reply>();
        return std::optional<reply>(got_.back());
    }
    void reset() { rd_.reset(); }
    std::size_t buffered() const noexcept { return rd_.buffered(); }
    std::string_view last_error() const noexcept { return rd_.last_error(); }

private:
    reader rd_;
    replies got_;
};

// What the tests' replies are copied into: alive until the tests end.
replies& read_replies() {
    static replies all;
    return all;
}

// Feeds `bytes` at once and returns every complete reply; fails the test on a protocol error.
std::vector<reply> parse_all(std::string_view bytes, reader_limits limits = {}) {
    test_reader rd(limits);
    rd.feed(bytes);
    std::vector<reply> out;
    for (;;) {
        auto next = rd.next();
        EXPECT_TRUE(next.has_value()) << rd.last_error();
        if (!next || !*next)
            break;
        out.push_back(read_replies().push(**next));
    }
    EXPECT_EQ(rd.buffered(), 0u);
    return out;
}

reply one(std::string_view bytes) {
    auto all = parse_all(bytes);
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? reply() : all.front();
}

// What the reader says after `bytes`: the error, if any, of the first failing next().
boost::system::error_code first_error(std::string_view bytes, reader_limits limits = {}) {
    test_reader rd(limits);
    rd.feed(bytes);
    for (int i = 0; i < 1000; ++i) {
        auto next = rd.next();
        if (!next)
            return next.error();
        if (!*next)
            break;
    }
    return {};
}

TEST(reader, simple_string) {
    reply r = one("+OK\r\n");
    EXPECT_EQ(r.type, reply::kind::status);
    EXPECT_EQ(r.as_string(), "OK");
    EXPECT_FALSE(r.is_error());
}

TEST(reader, error_reply_is_a_value) {
    reply r = one("-NOSCRIPT No matching script. Please use EVAL.\r\n");
    EXPECT_TRUE(r.is_error());
    EXPECT_EQ(r.as_string(), "NOSCRIPT No matching script. Please use EVAL.");
    EXPECT_TRUE(r.is_error_code("NOSCRIPT"));
    EXPECT_FALSE(r.is_error_code("NOSCRIP"));
    EXPECT_FALSE(r.is_error_code("ERR"));
}

TEST(reader, integers) {
    auto all = parse_all(":42\r\n:-7\r\n:0\r\n");
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].type, reply::kind::integer);
    EXPECT_EQ(all[0].integer, 42);
    EXPECT_EQ(all[1].integer, -7);
    EXPECT_EQ(all[2].integer, 0);
    EXPECT_EQ(all[0].as_integer(), 42);
}

TEST(reader, bulk_strings) {
    reply r = one("$5\r\nhello\r\n");
    EXPECT_EQ(r.type, reply::kind::string);
    EXPECT_EQ(r.as_string(), "hello");

    reply empty = one("$0\r\n\r\n");
    EXPECT_EQ(empty.type, reply::kind::string);
    EXPECT_EQ(empty.as_string(), "");

    reply nil = one("$-1\r\n");
    EXPECT_TRUE(nil.is_nil());

    reply number = one("$3\r\n123\r\n");
    EXPECT_EQ(number.as_integer(), 123);
    EXPECT_EQ(r.as_integer(), std::nullopt);
}

TEST(reader, binary_bulk_with_crlf_and_nul_inside) {
    const std::string payload("a\r\nb\0c\r\n", 8);
    reply r = one("$8\r\n" + payload + "\r\n");
    EXPECT_EQ(r.type, reply::kind::string);
    EXPECT_EQ(r.as_string(), payload);
}

TEST(reader, nested_arrays) {
    reply r = one("*4\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n+OK\r\n*0\r\n");
    ASSERT_TRUE(r.is_array());
    ASSERT_EQ(r.elements.size(), 4u);
    EXPECT_EQ(r.elements[0].integer, 1);
    ASSERT_TRUE(r.elements[1].is_array());
    ASSERT_EQ(r.elements[1].elements.size(), 2u);
    EXPECT_EQ(r.elements[1].elements[0].as_string(), "a");
    EXPECT_TRUE(r.elements[1].elements[1].is_nil());
    EXPECT_EQ(r.elements[2].as_string(), "OK");
    EXPECT_TRUE(r.elements[3].is_array());
    EXPECT_TRUE(r.elements[3].elements.empty());
    EXPECT_EQ(to_debug_string(r), "[:1, [\"a\", (nil)], +OK, []]");

    EXPECT_TRUE(one("*-1\r\n").is_nil());
}

// Each reply is the caller's once returned: the reader builds the next one in its own slot,
// and a failed one (over a limit mid-array) leaves nothing of it behind for the next reader.
TEST(reader, replies_stay_whole_while_the_next_ones_are_read) {
    test_reader rd;
    rd.feed("*2\r\n$16\r\nlonger than sso!\r\n:7\r\n$2\r\nab\r\n*1\r\n*1\r\n$-1\r\n");
    auto first = rd.next();
    ASSERT_TRUE(first && *first);
    auto second = rd.next();
    ASSERT_TRUE(second && *second);
    auto third = rd.next();
    ASSERT_TRUE(third && *third);
    EXPECT_EQ(to_debug_string(**first), "[\"longer than sso!\", :7]");
    EXPECT_EQ(to_debug_string(**second), "\"ab\"");
    EXPECT_EQ(to_debug_string(**third), "[[(nil)]]");
    auto none = rd.next();
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);

    test_reader small(reader_limits{.max_bulk = 4, .max_elements = 8});
    small.feed("*2\r\n$3\r\nabc\r\n$9\r\n123456789\r\n");
    EXPECT_FALSE(small.next());
    small.reset();
    small.feed("$2\r\nok\r\n");
    auto after = small.next();
    ASSERT_TRUE(after && *after);
    EXPECT_EQ(to_debug_string(**after), "\"ok\"");
}

TEST(reader, deep_nesting_within_hiredis_limit) {
    // hiredis allows up to 7 levels of nested arrays.
    std::string bytes;
    for (int i = 0; i < 7; ++i)
        bytes += "*1\r\n";
    bytes += ":5\r\n";
    reply r = one(bytes);
    const reply* p = &r;
    for (int i = 0; i < 7; ++i) {
        ASSERT_TRUE(p->is_array());
        p = &p->elements.at(0);
    }
    EXPECT_EQ(p->integer, 5);
}

TEST(reader, large_array_of_arrays_grows_as_elements_arrive) {
    // More elements than the up-front reservation, each a nested array: growing the outer
    // vector moves completed children only, while hiredis points at the one being filled.
    std::string bytes = "*3000\r\n";
    for (int i = 0; i < 3000; ++i)
        bytes += "*2\r\n:" + std::to_string(i) + "\r\n$1\r\nx\r\n";
    test_reader rd;
    // Fed in odd-sized pieces so that arrays are incomplete at many different points.
    for (std::size_t pos = 0; pos < bytes.size(); pos += 7)
        rd.feed(std::string_view(bytes).substr(pos, 7));
    auto next = rd.next();
    ASSERT_TRUE(next.has_value() && next->has_value());
    const reply& r = **next;
    ASSERT_EQ(r.elements.size(), 3000u);
    for (int i = 0; i < 3000; ++i) {
        const reply& e = r.elements[static_cast<std::size_t>(i)];
        ASSERT_EQ(e.elements.size(), 2u);
        EXPECT_EQ(e.elements[0].integer, i);
        EXPECT_EQ(e.elements[1].as_string(), "x");
    }
}

TEST(reader, array_header_alone_allocates_nothing_big) {
    test_reader rd;
    rd.feed("*16000000\r\n*16000000\r\n:1\r\n");
    auto next = rd.next();
    ASSERT_TRUE(next.has_value());
    EXPECT_FALSE(next->has_value()); // waits for the rest, which never comes
}

TEST(reader, split_feeds_byte_by_byte) {
    const std::string stream = "+OK\r\n-ERR x\r\n:12\r\n$6\r\nab\r\ncd\r\n$-1\r\n"
                               "*3\r\n*1\r\n:1\r\n$0\r\n\r\n-E\r\n*0\r\n";
    auto expected = parse_all(stream);
    ASSERT_EQ(expected.size(), 7u);

    test_reader rd;
    std::vector<reply> got;
    for (char c : stream) {
        rd.feed(std::string_view(&c, 1));
        for (;;) {
            auto next = rd.next();
            ASSERT_TRUE(next.has_value());
            if (!*next)
                break;
            got.push_back(std::move(**next));
        }
    }
    ASSERT_EQ(got.size(), expected.size());
    for (std::size_t i = 0; i < got.size(); ++i)
        EXPECT_EQ(to_debug_string(got[i]), to_debug_string(expected[i])) << i;
}

TEST(reader, incomplete_input_waits) {
    test_reader rd;
    rd.feed("$5\r\nhel");
    auto next = rd.next();
    ASSERT_TRUE(next.has_value());
    EXPECT_FALSE(next->has_value());
    rd.feed("lo\r\n");
    next = rd.next();
    ASSERT_TRUE(next.has_value() && next->has_value());
    EXPECT_EQ((*next)->as_string(), "hello");
}

TEST(reader, garbage_is_a_protocol_error_and_sticks_until_reset) {
    test_reader rd;
    rd.feed("hello\r\n");
    auto next = rd.next();
    ASSERT_FALSE(next.has_value());
    EXPECT_EQ(next.error(), error::protocol_error);
    EXPECT_FALSE(rd.last_error().empty());

    rd.feed("+OK\r\n");
    EXPECT_FALSE(rd.next().has_value());

    rd.reset();
    rd.feed("+OK\r\n");
    next = rd.next();
    ASSERT_TRUE(next.has_value() && next->has_value());
    EXPECT_EQ((*next)->as_string(), "OK");
}

TEST(reader, garbage_after_valid_replies) {
    test_reader rd;
    rd.feed("+OK\r\n!oops\r\n");
    auto first = rd.next();
    ASSERT_TRUE(first.has_value() && first->has_value());
    EXPECT_EQ(rd.next().error(), error::protocol_error);
}

TEST(reader, too_deep_nesting_is_an_error) {
    std::string bytes;
    for (int i = 0; i < 10; ++i)
        bytes += "*1\r\n";
    bytes += ":1\r\n";
    EXPECT_EQ(first_error(bytes), error::protocol_error);
}

TEST(reader, bulk_over_limit_is_an_error) {
    reader_limits limits;
    limits.max_bulk = 16;
    EXPECT_FALSE(first_error("$16\r\n0123456789abcdef\r\n", limits));
    EXPECT_EQ(first_error("$17\r\n0123456789abcdefg\r\n", limits), error::protocol_error);
    // Detected before the whole bulk has arrived: memory is bounded by the limit.
    EXPECT_EQ(first_error("$100000000\r\n" + std::string(200, 'x'), limits), error::protocol_error);
}

TEST(reader, array_over_limit_is_an_error) {
    reader_limits limits;
    limits.max_elements = 4;
    EXPECT_FALSE(first_error("*4\r\n:1\r\n:2\r\n:3\r\n:4\r\n", limits));
    EXPECT_EQ(first_error("*5\r\n", limits), error::protocol_error);
    EXPECT_EQ(first_error("*2\r\n*1000\r\n", limits), error::protocol_error);
    // A negative length other than -1 is malformed.
    EXPECT_EQ(first_error("*-5\r\n"), error::protocol_error);
}

TEST(reader, random_bytes_never_crash) {
    std::mt19937 rng(12345);
    const char alphabet[] = "*$:+-\r\n0123456789-abc";
    for (int round = 0; round < 2000; ++round) {
        reader_limits limits;
        limits.max_bulk = 64;
        limits.max_elements = 64;
        test_reader rd(limits);
        std::string bytes;
        std::size_t len = rng() % 64;
        for (std::size_t i = 0; i < len; ++i)
            bytes += alphabet[rng() % (sizeof alphabet - 1)];
        rd.feed(bytes);
        for (int i = 0; i < 100; ++i) {
            auto next = rd.next();
            if (!next || !*next)
                break;
        }
    }
}

} // namespace
} // namespace senna::redis

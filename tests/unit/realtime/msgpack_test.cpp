// msgpack against notepack.io 3.0.1: every fixture decodes to what notepack decodes and the same
// data encodes to notepack's bytes exactly; then errors, limits and random bytes.

#include "fixtures.hpp"
#include "realtime/adapter_codec.hpp"
#include "realtime/msgpack.hpp"
#include "realtime/msgpack_json.hpp"
#include "socketio/json.hpp"

#include <boost/json/parse.hpp>

#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <random>
#include <set>

using namespace senna::realtime::msgpack;
using namespace std::literals;
using senna::realtime::socketio_placeholders;
using senna::realtime::test::fixtures;
using senna::realtime::test::notepack_bytes;
using senna::realtime::test::tohex;
using senna::realtime::test::unhex;
using senna::realtime::test::value_bytes;
using senna::realtime::test::whole;

namespace {

/** Fixtures whose bytes are notepack's garbage for integral doubles >= 2^64 (see msgpack.hpp);
    tested on their own below. */
const std::set<std::string> notepack_overflow = {"float 1e+21", "float 1.7976931348623157e+308"};

std::string json_text(const value& v) {
    std::vector<std::string> attachments;
    return senna::socketio::to_json(to_json(v, attachments, socketio_placeholders));
}

value decoded(std::string_view bytes) {
    auto r = decode(bytes);
    EXPECT_TRUE(r) << tohex(bytes) << ": " << r.error().message();
    return r ? *r : value();
}

/** `name` decodes to `expected`, and `expected` encodes to its bytes. */
void both_ways(const std::string& name, const value& expected) {
    SCOPED_TRACE(name);
    const std::string ours = encode(expected);
    EXPECT_TRUE(notepack_bytes(name, ours));
    // A big value's bytes are known by their hash: decode ours, which are proven equal.
    EXPECT_EQ(decoded(whole(name) ? value_bytes(name) : ours), expected);
}

void failing(std::string_view bytes, error e, const limits& lim = {}) {
    const auto r = decode(bytes, lim);
    ASSERT_FALSE(r) << "accepted " << tohex(bytes);
    EXPECT_EQ(r.error(), make_error_code(e)) << tohex(bytes) << ": " << r.error().message();
}

} // namespace

TEST(msgpack, every_json_fixture_both_ways) {
    int checked = 0;
    for (const auto& [name, entry] : fixtures().at("values").as_object()) {
        const auto& o = entry.as_object();
        if (!o.contains("hex") || !o.contains("json") ||
            notepack_overflow.contains(std::string(name)))
            continue;
        SCOPED_TRACE(std::string(name));
        const std::string bytes = unhex(o.at("hex").as_string());
        const std::string expected_json = senna::socketio::to_json(o.at("json"));
        // notepack's bytes decode to the data JSON.stringify would write...
        EXPECT_EQ(json_text(decoded(bytes)), expected_json);
        // ...and the same data, as JSON, encodes to notepack's bytes exactly.
        EXPECT_EQ(tohex(encode(from_json(o.at("json")))), tohex(bytes));
        // Decoding then encoding gives the bytes back.
        EXPECT_EQ(tohex(encode(decoded(bytes))), tohex(bytes));
        // The streaming encoder writes the same bytes as the value tree.
        std::string streamed;
        encode_json(o.at("json"), streamed);
        EXPECT_EQ(tohex(streamed), tohex(bytes));
        ++checked;
    }
    EXPECT_GE(checked, 50);
}

TEST(msgpack, peek_first_string_reads_only_a_leading_str) {
    EXPECT_EQ(peek_first_string(encode(value(array{value("abc"), value(1)}))), "abc"sv);
    const std::string long_uid(300, 'u'); // str16 inside an array16 header
    array big(20, value(nullptr));
    big[0] = value(long_uid);
    EXPECT_EQ(peek_first_string(encode(value(std::move(big)))), std::string_view(long_uid));
    EXPECT_EQ(peek_first_string(encode(value(array{value(1), value("abc")}))), std::nullopt);
    EXPECT_EQ(peek_first_string(encode(value(array{}))), std::nullopt);
    EXPECT_EQ(peek_first_string(encode(value("abc"))), std::nullopt);
    EXPECT_EQ(peek_first_string("\x91\xa5"
                                "ab"sv),
              std::nullopt); // str longer than the input
    EXPECT_EQ(peek_first_string(""sv), std::nullopt);
    EXPECT_EQ(peek_first_string("\xdc\x00"sv), std::nullopt);
}

TEST(msgpack, integers_at_every_boundary) {
    both_ways("int 0", value(0));
    both_ways("int 127", value(127));
    both_ways("int 128", value(128));
    both_ways("int 255", value(255));
    both_ways("int 256", value(256));
    both_ways("int 65535", value(65535));
    both_ways("int 65536", value(65536));
    both_ways("int 4294967295", value(4294967295LL));
    both_ways("int 4294967296", value(4294967296LL));
    both_ways("int 9007199254740991", value(9007199254740991LL));
    both_ways("int 2^63", value(std::uint64_t{1} << 63));
    both_ways("int 2^64-2048", value(~std::uint64_t{0} - 2047));
    both_ways("int -1", value(-1));
    both_ways("int -32", value(-32));
    both_ways("int -33", value(-33));
    both_ways("int -128", value(-128));
    both_ways("int -129", value(-129));
    both_ways("int -32768", value(-32768));
    both_ways("int -32769", value(-32769));
    both_ways("int -2147483648", value(-2147483648LL));
    both_ways("int -2147483649", value(-2147483649LL));
    both_ways("int -9007199254740991", value(-9007199254740991LL));
    both_ways("int -2^63", value(std::numeric_limits<std::int64_t>::min()));
    // One value, one form: 5 as signed or unsigned is the same value.
    EXPECT_EQ(value(5), value(std::uint64_t{5}));
    EXPECT_EQ(value(std::int8_t{-5}), value(-5LL));
}

TEST(msgpack, integral_doubles_are_integers_to_notepack) {
    // A JavaScript number is an integer when Math.floor(x) === x.
    EXPECT_EQ(encode(value(1.0)), value_bytes("float 1.0"));
    EXPECT_EQ(encode(value(-0.0)), value_bytes("float -0")); // fixint 0
    EXPECT_EQ(encode(value(4294967296.0)), value_bytes("int 4294967296"));
    EXPECT_EQ(encode(value(-2147483649.0)), value_bytes("int -2147483649"));
    EXPECT_EQ(encode(value(9223372036854775808.0)), value_bytes("int 2^63"));
    EXPECT_EQ(encode(value(-9223372036854775808.0)), value_bytes("int -2^63"));
    EXPECT_EQ(encode(value(18446744073709549568.0)), value_bytes("int 2^64-2048"));
}

TEST(msgpack, integral_doubles_beyond_64_bits_diverge_on_purpose) {
    // notepack writes 1e21 as uint64 0x35c9adc5dea00000 (its bits modulo 2^64) and the largest
    // double as uint64 0: we decode what it wrote, and write float64 ourselves.
    EXPECT_EQ(decoded(value_bytes("float 1e+21")), value(std::uint64_t{0x35c9adc5dea00000}));
    EXPECT_EQ(decoded(value_bytes("float 1.7976931348623157e+308")), value(0));
    EXPECT_EQ(tohex(encode(value(1e21))), "cb444b1ae4d6e2ef50");
    EXPECT_EQ(decoded(encode(value(1e21))), value(1e21));
    EXPECT_EQ(decoded(encode(value(-1e19))), value(-1e19));
}

TEST(msgpack, integers_beyond_2_53_read_as_javascript_numbers) {
    // notepack decodes them into doubles; JSON.stringify writes those.
    EXPECT_EQ(json_text(value(9007199254740991LL)), "9007199254740991");
    EXPECT_EQ(json_text(value(9007199254740993LL)), "9007199254740992");
    EXPECT_EQ(json_text(value((std::uint64_t{1} << 63) | 1)), "9223372036854776000");
    EXPECT_EQ(json_text(value(-9007199254740993LL)), "-9007199254740992");
    EXPECT_EQ(json_text(decoded(value_bytes("int 2^64-2048"))), "18446744073709550000");
    // The value itself stays exact.
    EXPECT_EQ(encode(decoded(encode(value(9007199254740993LL)))),
              encode(value(9007199254740993LL)));
}

TEST(msgpack, floats) {
    both_ways("float 0.5", value(0.5));
    both_ways("float -0.5", value(-0.5));
    both_ways("float 3.141592653589793", value(3.141592653589793));
    both_ways("float 5e-324", value(5e-324));
    both_ways("float -2.5e-300", value(-2.5e-300));
    both_ways("float Infinity", value(std::numeric_limits<double>::infinity()));
    both_ways("float -Infinity", value(-std::numeric_limits<double>::infinity()));
    both_ways("float NaN", value(std::numeric_limits<double>::quiet_NaN()));
    // Any NaN is written as Buffer#writeDoubleBE writes NaN.
    EXPECT_EQ(encode(value(-std::numeric_limits<double>::quiet_NaN())), value_bytes("float NaN"));
    // float32 decodes (notepack never writes it); doubles compare by bits.
    EXPECT_EQ(decoded(value_bytes("float32 1.5")), value(1.5));
    EXPECT_NE(value(0.0), value(-0.0));
    EXPECT_NE(value(1.0), value(1));
    EXPECT_EQ(json_text(decoded(value_bytes("float NaN"))), "null");
}

TEST(msgpack, strings_by_length) {
    for (const int n : {0, 1, 31, 32, 33, 255, 256, 65535, 65536})
        both_ways("str " + std::to_string(n), value(std::string(static_cast<std::size_t>(n), 'x')));
    both_ways("str utf8", value("héllo wörld ✓ 😀"));
}

TEST(msgpack, strings_count_utf8_bytes) {
    std::string e15, e16;
    for (int i = 0; i < 15; ++i)
        e15 += "é";
    e16 = e15 + "é";
    both_ways("str utf8 31 bytes", value(e15 + "a")); // fixstr
    both_ways("str utf8 32 bytes", value(e16));       // str8
}

TEST(msgpack, invalid_utf8_is_replaced_as_node_does) {
    // Buffer#toString('utf8'): each maximal ill-formed subpart becomes U+FFFD.
    const std::string fffd = "\xef\xbf\xbd";
    EXPECT_EQ(decoded(unhex("a361ff62")), value("a" + fffd + "b"));
    EXPECT_EQ(decoded(unhex("a2e282")), value(fffd));
    EXPECT_EQ(decoded(unhex("a3eda080")), value(fffd + fffd + fffd));
    EXPECT_EQ(decoded(unhex("a2c0af")), value(fffd + fffd));
    EXPECT_EQ(decoded(unhex("a4f4908080")), value(fffd + fffd + fffd + fffd));
    EXPECT_EQ(decoded(unhex("a4f0908080")), value("\xf0\x90\x80\x80"));
    EXPECT_EQ(decoded(unhex("a4f48fbfbf")), value("\xf4\x8f\xbf\xbf"));
}

TEST(msgpack, constants) {
    both_ways("nil", value());
    both_ways("true", value(true));
    both_ways("false", value(false));
    both_ways("undefined", value()); // notepack 3 writes undefined as nil
    EXPECT_EQ(decoded(value_bytes("ext undefined fixext1 0")), value()); // notepack 2
}

TEST(msgpack, binary) {
    for (const int n : {0, 1, 255, 256, 65535, 65536})
        both_ways("bin " + std::to_string(n),
                  value(binary{std::string(static_cast<std::size_t>(n), '\xab')}));
    both_ways("bin uint8array", value(binary{"\x01\x02\x03"}));
    EXPECT_EQ(decoded(value_bytes("ext arraybuffer ext8 0")), value(binary{"\x01\x02\x03"}));
}

TEST(msgpack, arrays_and_maps) {
    for (const int n : {0, 15, 16, 65535, 65536}) {
        array a;
        for (int i = 0; i < n; ++i)
            a.emplace_back(i % 200);
        both_ways("array " + std::to_string(n), value(std::move(a)));
    }
    for (const int n : {0, 15, 16, 65536}) {
        map m;
        for (int i = 0; i < n; ++i)
            m.emplace_back("k" + std::to_string(i), i % 3 == 0 ? value() : value(i));
        both_ways("map " + std::to_string(n), value(std::move(m)));
    }
    both_ways("nested", value(map{{"a", array{1, array{2, array{3, map{{"b", "c"}}}}, map{}}},
                                  {"d", map{{"e", map{{"f", array{true, false, nullptr}}}}}},
                                  {"", ""}}));
    both_ways("mixed",
              value(array{1, "two", 3.5, nullptr, true, map{{"six", array{7}}}, -8, 256, "é"}));
    both_ways("map undefined member", value(map{{"a", 1}, {"c", 2}}));
    both_ways("array undefined member", value(array{1, nullptr, 2}));
}

TEST(msgpack, javascript_property_order_at_the_json_boundary) {
    // notepack saw {b: 1, 2: "x", 1: "y", a: 0} as JavaScript orders it: index keys first.
    const auto js = boost::json::parse(R"({"b":1,"2":"x","1":"y","a":0})");
    EXPECT_EQ(encode(from_json(js)), value_bytes("map integer-like keys"));
    // Bytes in another order read as JavaScript would hold them; a repeated key keeps its
    // first place and its last value.
    EXPECT_EQ(json_text(value(map{{"b", 1}, {"10", 2}, {"9", 3}, {"01", 4}, {"b", 5}})),
              R"({"9":3,"10":2,"b":5,"01":4})");
    EXPECT_EQ(json_text(decoded(unhex("82a16101a16102"))), R"({"a":2})");
    EXPECT_EQ(*decoded(unhex("82a16101a16102")).find("a"), value(2));
    EXPECT_TRUE(is_array_index("0"));
    EXPECT_TRUE(is_array_index("4294967294"));
    EXPECT_FALSE(is_array_index("4294967295"));
    EXPECT_FALSE(is_array_index("00"));
    EXPECT_FALSE(is_array_index("-1"));
    EXPECT_FALSE(is_array_index(""));
}

TEST(msgpack, dates) {
    both_ways("date 2026", value(timestamp{1795820753, 0}));
    both_ways("date 2026 ms", value(timestamp{1795820753, 123'000'000}));
    both_ways("date epoch", value(timestamp{0, 0}));
    both_ways("date 2500", value(timestamp{16725225600, 0}));
    both_ways("date 1969", value(timestamp{-1, 999'000'000}));
    EXPECT_EQ(json_text(decoded(value_bytes("date 2026 ms"))), R"("2026-11-27T23:05:53.123Z")");
    EXPECT_EQ(json_text(decoded(value_bytes("date 1969"))), R"("1969-12-31T23:59:59.999Z")");
    EXPECT_EQ(json_text(decoded(value_bytes("date 2500"))), R"("2500-01-01T00:00:00.000Z")");
    // notepack 2's date (fixext8 type 0, int64 ms) and a timestamp64 with nanoseconds.
    EXPECT_EQ(decoded(value_bytes("ext legacy date fixext8 0")),
              value(timestamp{1764284753, 656'000'000}));
    EXPECT_EQ(json_text(decoded(value_bytes("ext legacy date fixext8 0"))),
              R"("2025-11-27T23:05:53.656Z")");
    both_ways("timestamp64 ns", value(timestamp{1, 1}));
    // Date's range and its ISO years (values from node's Date#toJSON).
    EXPECT_EQ(json_text(value(timestamp{8'640'000'000'000, 0})),
              R"("+275760-09-13T00:00:00.000Z")");
    EXPECT_EQ(json_text(value(timestamp{-8'640'000'000'000, 0})),
              R"("-271821-04-20T00:00:00.000Z")");
    EXPECT_EQ(json_text(value(timestamp{8'640'000'000'001, 0})), "null");
    EXPECT_EQ(json_text(value(timestamp{253402300800, 0})), R"("+010000-01-01T00:00:00.000Z")");
    EXPECT_EQ(json_text(value(timestamp{-62198755200, 0})), R"("-000001-01-01T00:00:00.000Z")");
    EXPECT_EQ(json_text(value(timestamp{-62198755201, 999'000'000})),
              R"("-000002-12-31T23:59:59.999Z")");
}

TEST(msgpack, other_extensions_decode_as_notepack_does) {
    // [type, Buffer]
    EXPECT_EQ(decoded(value_bytes("ext fixext1 5")), value(array{5, binary{"\x07"}}));
    EXPECT_EQ(decoded(value_bytes("ext ext8 7")), value(array{7, binary{"\x01\x02"}}));
    EXPECT_EQ(decoded(unhex("d8ff" + std::string(32, '0'))),
              value(array{-1, binary{std::string(16, '\0')}}));
}

TEST(msgpack, json_conversion_with_attachments) {
    std::vector<std::string> attachments;
    const value v(
        array{"file", binary{std::string("\x00\x01", 2)}, map{{"parts", array{binary{"xy"}}}}});
    const auto json = to_json(v, attachments, socketio_placeholders);
    EXPECT_EQ(
        senna::socketio::to_json(json),
        R"(["file",{"_placeholder":true,"num":0},{"parts":[{"_placeholder":true,"num":1}]}])");
    ASSERT_EQ(attachments.size(), 2u);
    EXPECT_EQ(attachments[0], std::string("\x00\x01", 2));
    EXPECT_EQ(attachments[1], "xy");
    EXPECT_EQ(from_json(json, attachments, socketio_placeholders), v);
    // Without attachments a placeholder is an ordinary object.
    EXPECT_EQ(from_json(boost::json::parse(R"({"_placeholder":true,"num":0})")),
              value(map{{"_placeholder", true}, {"num", 0}}));
}

TEST(msgpack, truncated_input) {
    failing("", error::truncated);
    // Every proper prefix of every small fixture is truncated.
    for (const auto& [name, entry] : fixtures().at("values").as_object()) {
        if (!whole(name))
            continue;
        const std::string bytes = unhex(entry.as_object().at("hex").as_string());
        if (bytes.size() > 600)
            continue;
        for (std::size_t n = 1; n < bytes.size(); ++n) {
            const auto r = decode(std::string_view(bytes).substr(0, n));
            ASSERT_FALSE(r) << name << " cut at " << n;
            EXPECT_EQ(r.error(), make_error_code(error::truncated)) << name << " cut at " << n;
        }
    }
    // A count larger than the bytes left is refused before anything is allocated.
    failing(unhex("ddffffffff"), error::truncated, {.max_elements = ~std::size_t{0}});
    failing(unhex("dfffffffff01"), error::truncated, {.max_elements = ~std::size_t{0}});
    failing(unhex("dbffffffff"), error::truncated);
    failing(unhex("c6ffffffff"), error::truncated);
    failing(unhex("c9ffffffff05"), error::truncated);
}

TEST(msgpack, malformed_input) {
    failing(unhex("c0c0"), error::trailing_bytes);
    failing(unhex("c1"), error::invalid_type);
    failing(unhex("91c1"), error::invalid_type);
    failing(unhex("c70bff" + std::string(22, '0')), error::invalid_type); // timestamp96, len 11
    failing(unhex("810102"), error::non_string_key);
    failing(unhex("81c0c0"), error::non_string_key);
    failing(unhex("81c403616263c0"), error::non_string_key); // bin is not str
}

TEST(msgpack, limits) {
    std::string deep(32, '\x91');
    deep += '\xc0';
    EXPECT_TRUE(decode(deep)); // 32 levels
    failing("\x91" + deep, error::too_deep);
    failing(unhex("9101"), error::too_deep, {.max_depth = 0});
    EXPECT_TRUE(decode(unhex("01"), {.max_depth = 0}));
    failing(unhex("c0"), error::too_large, {.max_size = 0});
    failing(unhex("ddffffffff"), error::too_many_elements);
    failing(unhex("93010203"), error::too_many_elements, {.max_elements = 2});
    failing(unhex("92910191020304"), error::too_many_elements, {.max_elements = 3});
    EXPECT_TRUE(decode(unhex("9291019102"), {.max_elements = 4}));
    failing(unhex("82a16101a16202"), error::too_many_elements, {.max_elements = 1});
}

TEST(msgpack, an_extension_read_as_an_array_counts_as_a_level) {
    // Found by msgpack_fuzz: fixext [type, bin] at the deepest level decoded, but re-encoded as
    // the array it is, it no longer fit max_depth.
    const limits lim{.max_depth = 4};
    EXPECT_TRUE(decode(std::string(3, '\x91') + unhex("d40507"), lim));
    failing(std::string(4, '\x91') + unhex("d40507"), error::too_deep, lim);
    EXPECT_TRUE(decode(std::string(4, '\x91') + unhex("d6ff00000000"), lim)); // a date is not
    const auto v = decode(std::string(3, '\x91') + unhex("d40507"), lim);
    ASSERT_TRUE(v);
    EXPECT_TRUE(decode(encode(*v), lim));
}

TEST(msgpack, errors_have_messages) {
    EXPECT_EQ(make_error_code(error::truncated).message(), "msgpack input ends inside a value");
    EXPECT_STREQ(make_error_code(error::too_deep).category().name(), "senna.msgpack");
}

TEST(msgpack, random_bytes_never_crash_and_reencode_stably) {
    std::mt19937 rng(20261127);
    // Bias towards msgpack's interesting bytes so some inputs decode.
    const std::string_view pool =
        "\x00\x01\x7f\x80\x81\x8f\x90\x91\x9f\xa0\xa1\xbf\xc0\xc2\xc3\xc4\xc7"
        "\xca\xcb\xcc\xcd\xce\xcf\xd0\xd3\xd4\xd6\xd7\xd9\xdc\xde\xe0\xff"sv;
    const limits lim{.max_size = 4096, .max_depth = 16, .max_elements = 1000};
    int ok = 0;
    for (int round = 0; round < 100'000; ++round) {
        std::string bytes(rng() % 24, '\0');
        for (auto& c : bytes)
            c = rng() % 2 ? pool[rng() % pool.size()] : static_cast<char>(rng());
        const auto r = decode(bytes, lim);
        if (!r)
            continue;
        ++ok;
        const std::string once = encode(*r);
        const auto again = decode(once, lim);
        ASSERT_TRUE(again) << tohex(bytes);
        ASSERT_EQ(encode(*again), once) << tohex(bytes);
        std::vector<std::string> a1, a2;
        ASSERT_EQ(senna::socketio::to_json(to_json(*r, a1, socketio_placeholders)),
                  senna::socketio::to_json(to_json(*again, a2, socketio_placeholders)))
            << tohex(bytes);
        ASSERT_EQ(a1, a2);
    }
    EXPECT_GT(ok, 1000);
}

// The JSON writer against what JavaScript's JSON.stringify prints (values checked in Node 20).

#include "socketio/json.hpp"
#include "socketio/packet.hpp"
#include "test_support.hpp"

#include <cmath>
#include <gtest/gtest.h>
#include <limits>

using namespace senna::socketio;
using senna::socketio::test::json;

namespace {

std::string number(double d) {
    return to_json(boost::json::value(d));
}

} // namespace

TEST(socketio_json, doubles_print_like_number_to_string) {
    EXPECT_EQ(number(1.5), "1.5");
    EXPECT_EQ(number(-1.5), "-1.5");
    EXPECT_EQ(number(1.0), "1");
    EXPECT_EQ(number(100.0), "100");
    EXPECT_EQ(number(0.0), "0");
    EXPECT_EQ(number(-0.0), "0");
    EXPECT_EQ(number(0.1 + 0.2), "0.30000000000000004");
    EXPECT_EQ(number(123.456), "123.456");
    EXPECT_EQ(number(1e20), "100000000000000000000");
    EXPECT_EQ(number(1e21), "1e+21");
    EXPECT_EQ(number(1.5e21), "1.5e+21");
    EXPECT_EQ(number(123456789012345680000.0), "123456789012345680000");
    EXPECT_EQ(number(1e-6), "0.000001");
    EXPECT_EQ(number(1.5e-6), "0.0000015");
    EXPECT_EQ(number(1e-7), "1e-7");
    EXPECT_EQ(number(-1.25e-7), "-1.25e-7");
    EXPECT_EQ(number(5e-324), "5e-324");
    EXPECT_EQ(number(1.7976931348623157e308), "1.7976931348623157e+308");
    EXPECT_EQ(number(9007199254740993.0), "9007199254740992");
    EXPECT_EQ(number(std::nan("")), "null");
    EXPECT_EQ(number(std::numeric_limits<double>::infinity()), "null");
    EXPECT_EQ(number(-std::numeric_limits<double>::infinity()), "null");
}

TEST(socketio_json, integers_strings_and_structure) {
    EXPECT_EQ(to_json(boost::json::value(std::numeric_limits<std::int64_t>::min())),
              "-9223372036854775808");
    EXPECT_EQ(to_json(boost::json::value(std::numeric_limits<std::uint64_t>::max())),
              "18446744073709551615");
    EXPECT_EQ(to_json(json(R"("a\"b\\c/d\u0001\u001f\n\t\b\f\r\u007f é😀")")),
              "\"a\\\"b\\\\c/d\\u0001\\u001f\\n\\t\\b\\f\\r\x7f é😀\"");
    EXPECT_EQ(to_json(json(R"({"b":1,"a":[true,false,null,{}],"c":{"":[]}})")),
              R"({"b":1,"a":[true,false,null,{}],"c":{"":[]}})");
    EXPECT_EQ(to_json(json(R"({"k\n":"v"})")), R"({"k\n":"v"})");
    EXPECT_EQ(to_json(boost::json::value()), "null");
}

TEST(socketio_json, decoded_payloads_re_encode_as_javascript_would) {
    // JSON.parse then JSON.stringify: spacing goes, number spelling normalises.
    const std::pair<std::string_view, std::string_view> cases[] = {
        {R"(2[ "a" , 1.50, 1e2, 1E-7, -0, 0.0, 2.5e+3 ])", R"(2["a",1.5,100,1e-7,0,0,2500])"},
        {R"(2["\u00e9\ud83d\ude00"])", R"(2["é😀"])"},
        // Boost.JSON 1.81 alone reads these one ulp off; JSON.parse (and we) do not.
        {R"(2["a",2.5e-300,20e-58,0.1,1.7976931348623157e308,5e-324])",
         R"(2["a",2.5e-300,2e-57,0.1,1.7976931348623157e+308,5e-324])"},
        {R"(2["a",{"x":{"y":[1,{"z":null}]}}])", R"(2["a",{"x":{"y":[1,{"z":null}]}}])"},
    };
    for (const auto& [in, out] : cases) {
        const auto p = decode(in);
        ASSERT_TRUE(p) << in;
        EXPECT_EQ(encode(*p), out);
    }
}

TEST(socketio_json, parse_json_takes_one_whole_value) {
    const auto ok = parse_json(" [1, 2.5e-300, \"x\", {\"k\": null}] ", 8);
    ASSERT_TRUE(ok);
    EXPECT_EQ(to_json(*ok), R"([1,2.5e-300,"x",{"k":null}])");
    EXPECT_EQ(ok->as_array()[1].as_double(), 2.5e-300);
    EXPECT_FALSE(parse_json("[1] [2]", 8));
    EXPECT_FALSE(parse_json("[1", 8));
    EXPECT_FALSE(parse_json("", 8));
    EXPECT_FALSE(parse_json("[[[1]]]", 2));
    EXPECT_TRUE(parse_json("[[[1]]]", 3));
    // JSON.parse("1e400") is Infinity, which JSON.stringify writes as null: so do we.
    const auto huge = parse_json("1e400", 8);
    ASSERT_TRUE(huge);
    EXPECT_EQ(to_json(*huge), "null");
    EXPECT_FALSE(parse_json("[NaN]", 8));
}

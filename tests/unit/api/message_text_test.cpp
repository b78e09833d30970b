#include "api/chat_writes.hpp"
#include "api/deliveries.hpp"
#include "api/format.hpp"
#include "api/message_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>
#include <random>
#include <string>
#include <vector>

namespace api = senna::api;
namespace chat = senna::chat;
namespace json = boost::json;

namespace {

// The author's serialised profile the page would put in place of "author".
std::string profile_of(const chat::id& a) {
    json::object o;
    o["id"] = a.to_json();
    o["name"] = "N\xc3\xa9 \"q\"";
    return json::serialize(o);
}

// The history page's DOM path for one stored text: nullopt when parse_stored refuses it.
std::optional<std::string> by_dom(std::string_view stored, std::uint64_t seq) {
    auto m = chat::parse_stored(stored);
    if (!m)
        return std::nullopt;
    m->seq = seq;
    const auto a = m->author();
    json::object o = api::message_json(std::move(*m));
    if (a)
        o["author"] = json::parse(profile_of(*a));
    return json::serialize(o);
}

// The splice, when it takes the text.
std::optional<std::string> by_splice(std::string_view stored, std::uint64_t seq) {
    api::spliced_message s;
    if (!s.read(stored))
        return std::nullopt;
    std::string out;
    s.append(out, seq, s.author() ? profile_of(*s.author()) : std::string());
    return out;
}

} // namespace

TEST(api_message_text, splices_a_stored_message_to_the_same_bytes) {
    const std::string stored =
        R"({"id":"m1","author":"alice","timestamp":"2016-06-02T21:38:36.342Z","type":"text",)"
        R"("text":"hi \"there\"\n","edited":1464903600000,"status":"seen"})";
    const auto spliced = by_splice(stored, 7);
    ASSERT_TRUE(spliced);
    EXPECT_EQ(*spliced, R"({"id":"m1","author":{"id":"alice","name":"Né \"q\""},)"
                        R"("timestamp":{"epoch":1464903516342,"iso":"2016-06-02T21:38:36.342Z"},)"
                        R"("type":"text","text":"hi \"there\"\n",)"
                        R"("edited":{"epoch":1464903600000,"iso":"2016-06-02T21:40:00.000Z"},)"
                        R"("status":"seen","seq":7})");
    EXPECT_EQ(spliced, by_dom(stored, 7));
}

// The inbox page's latest message: no profile, the stored author kept as it is (numbers too).
TEST(api_message_text, without_a_profile_keeps_the_stored_author) {
    for (const std::string stored :
         {R"({"id":"m1","author":42,"timestamp":1464903516342,"type":"text","text":"x"})",
          R"({"id":"m2","author":"alice","timestamp":"2016-06-02T21:38:36.342Z","seq":3})"}) {
        api::spliced_message s;
        ASSERT_TRUE(s.read(stored));
        std::string out;
        s.append(out, 9, {});
        auto m = chat::parse_stored(stored);
        ASSERT_TRUE(m);
        m->seq = 9;
        EXPECT_EQ(out, json::serialize(api::message_json(std::move(*m))));
    }
    api::spliced_message s;
    ASSERT_TRUE(s.read(R"({"id":"m1","author":42,"timestamp":0})"));
    std::string out;
    s.append(out, 0, {});
    EXPECT_EQ(
        out, R"({"id":"m1","author":42,"timestamp":{"epoch":0,"iso":"1970-01-01T00:00:00.000Z"}})");
}

TEST(api_message_text, odd_stored_messages_match_the_dom_path_or_are_left_to_it) {
    struct odd {
        std::string stored;
        bool spliced; // whether the fast path takes it
    };
    const std::vector<odd> cases = {
        {R"({"id":"a","author":12,"timestamp":1464903516342,"type":"text","text":"x"})", true},
        {R"({"id":"a","author":0,"timestamp":-1,"text":"x"})", true},
        {R"({"id":"a","author":-3,"timestamp":"soon"})", true},
        {R"({"id":"a","author":9007199254740992})", true}, // past the safe range: no author
        {R"({"id":"a","author":"0012","timestamp":"2016-06-02"})", true},
        {R"({"id":"a","author":"bad id!","edited":null})", true},
        {R"({"id":"a","author":{"id":"x"},"timestamp":true,"edited":[1]})", true},
        {R"({"id":"a","author":null,"seq":99,"timestamp":{}})", true},
        {R"({"seq":"x","id":"a"})", true},
        {R"({"id":"a","timestamp":999999999999999999})", true},
        {R"({"id":"a","timestamp":"99999-01-01T00:00:00.000Z"})", true},
        {"{\"id\":\"\xe2\x82\xac\",\"text\":\"\xf0\x9f\x98\x80\\u0001\"}", true},
        {R"({"id":"a"})", true},
        // The DOM path's: not canonical, or an escape in a field that is decoded.
        {R"({"id": "a","author":"u"})", false},
        {R"({"id":"a","author":"u"} )", false},
        {R"({"id":"a","text":"\u00e9"})", false},
        {R"({"id":"a","text":"\/"})", false},
        {R"({"id":"a","timestamp":1.5e12})", false},
        {R"({"id":"a","timestamp":1464903516342.0})", false},
        {R"({"id":"a","author":1.0})", false},
        {R"({"id":"a","author":"\u0061lice"})", false},
        {R"({"id":"a","timestamp":"2016-06-02T21:38:36.342\u005a"})", false},
        {R"({"id":"a","id":"b"})", false},
        {R"({"id":"a","x":{"k":1,"k":2}})", false},
        {R"({"id":5})", false},
        {R"({"id":""})", false},
        {R"({"id":null})", false},
        {R"({"text":"no id"})", false},
        {R"(["id","a"])", false},
        {R"("id")", false},
        {"{\"id\":\"\xc3\"}", false},
        {"", false},
        {"{\"id\":\"a\",\"n\":-0}", false},
        {"{\"id\":\"a\",\"n\":12345678901234567890}", false},
    };
    for (const auto& c : cases) {
        for (std::uint64_t seq : {0ull, 1ull, 18446744073709551615ull}) {
            const auto spliced = by_splice(c.stored, seq);
            EXPECT_EQ(spliced.has_value(), c.spliced) << c.stored;
            if (spliced) {
                EXPECT_EQ(spliced, by_dom(c.stored, seq)) << c.stored;
            }
        }
    }
}

// Stored messages with bytes changed at random: whatever the splice takes, it writes as the
// DOM path does (tests/fuzz/history_splice_fuzz.cpp does the same for longer).
TEST(api_message_text, mutated_messages_splice_as_the_dom_path_writes) {
    const std::vector<std::string> seeds = {
        R"({"id":"m1","author":"alice","timestamp":"2016-06-02T21:38:36.342Z","type":"text","text":"hi"})",
        R"({"id":"m2","author":42,"timestamp":1464903516342,"edited":"2016-06-02T21:40:00.000Z","seq":3})",
        R"({"id":"m3","author":{"id":1},"type":"image","image":"data:x","status":"seen","x":[1,{"a":null}]})",
    };
    static const std::string alphabet = "{}[]\":,\\-0123456789.eEtrufalsn aiduhmx\x01\xc3\xa9";
    std::mt19937 rng(2026);
    int taken = 0;
    for (int n = 0; n < 100000; ++n) {
        std::string t = seeds[rng() % seeds.size()];
        for (int k = 1 + static_cast<int>(rng() % 3); k > 0; --k) {
            const std::size_t at = rng() % t.size();
            switch (rng() % 3) {
            case 0:
                t[at] = alphabet[rng() % alphabet.size()];
                break;
            case 1:
                t.insert(t.begin() + static_cast<std::ptrdiff_t>(at),
                         alphabet[rng() % alphabet.size()]);
                break;
            default:
                t.erase(at, 1);
            }
        }
        const auto spliced = by_splice(t, n % 5);
        if (!spliced)
            continue;
        ++taken;
        ASSERT_EQ(spliced, by_dom(t, n % 5)) << t;
    }
    EXPECT_GT(taken, 1000);
}

// A send's or an update's answer (api/chat_writes.hpp): the entry spliced from the text the write
// stored, or by the DOM when the text is unknown or cannot be vouched for; the same bytes.
TEST(api_message_text, a_writes_entry_is_what_its_dom_writes) {
    const chat::id author{"17", true};
    auto made = chat::make_message("5c1d2a3b-0000-4000-8000-00000000abcd", author, 1464903516342,
                                   "text", "h\xc3\xa9llo \"you\"\n\\ \x01");
    made.json.emplace("client_msg_id", "c-1");
    const std::string stored = chat::serialize(made);
    auto dom = [&](std::uint64_t seq) {
        chat::message m{made.json, seq};
        return json::serialize(api::entry_json(api::written{std::move(m), {}, false, {}}));
    };
    for (std::uint64_t seq : {std::uint64_t(0), std::uint64_t(7), std::uint64_t(1) << 52}) {
        for (const std::string& text : {stored, std::string()}) {
            api::written w{chat::message{made.json, seq}, text, false, {}};
            std::string out = "[";
            api::append_entry(out, w);
            EXPECT_EQ(out, "[" + dom(seq)) << seq << " " << text.size();
        }
    }
    // A text the splice refuses (an escape in "timestamp") takes the DOM path: the message's.
    api::written odd{
        chat::message{made.json, 3},
        R"({"id":"x","author":17,"timestamp":"2016\u002d06","type":"text","text":"t"})",
        false,
        {}};
    std::string out;
    api::append_entry(out, odd);
    EXPECT_EQ(out, dom(3));
    EXPECT_NE(out.find(R"("seq":3)"), std::string::npos);
    // A send's entry drafted from its event's text (the payload, seq's placeholder in it) and
    // written with the seq: the same bytes, for a stored text with a "seq" of its own too.
    auto numbered = made;
    numbered.json.emplace("seq", 99);
    for (const auto& m : {made, numbered}) {
        const std::string text = chat::serialize(m);
        std::vector<senna::realtime::text_event::hole> holes;
        const auto open = api::message_payload_open(text, false, &holes);
        ASSERT_TRUE(open);
        ASSERT_EQ(holes.size(), 1u);
        const std::size_t seq_at = holes[0].at;
        for (std::uint64_t seq : {std::uint64_t(7), std::uint64_t(1) << 52}) {
            api::written w{chat::message{m.json, seq}, text, false, {*open + "}", seq_at}};
            std::string drafted = "[";
            api::append_entry(drafted, w);
            EXPECT_EQ(drafted, "[" + json::serialize(api::entry_json(
                                         api::written{chat::message{m.json, seq}, {}, false, {}})))
                << seq;
        }
    }
}

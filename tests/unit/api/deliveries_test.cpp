#include "api/deliveries.hpp"
#include "api/format.hpp"
#include "chat/message.hpp"

#include <boost/json/serialize.hpp>

#include <cctype>
#include <gtest/gtest.h>

namespace api = senna::api;
namespace chat = senna::chat;
namespace json = boost::json;

namespace {

// The rooms and payloads of a chat write's event as the DOM path shapes them (chat_writes.cpp):
// message_json, seq's and (with_rev) rev's placeholders set, to_participants.
std::vector<std::pair<std::string, std::string>> by_dom(const chat::id& me, const chat::chat_ref& c,
                                                        const chat::message& m, bool with_rev) {
    json::object o = api::message_json(m);
    o["seq"] = senna::realtime::hub::placeholder(chat::slot::seq);
    if (with_rev)
        o["rev"] = senna::realtime::hub::placeholder(chat::slot::rev);
    std::vector<std::pair<std::string, std::string>> out;
    for (auto& d : api::to_participants(me, c, std::move(o)))
        out.emplace_back(d.room, json::serialize(d.payload));
    return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>>
by_text(const chat::id& me, const chat::chat_ref& c, std::string_view stored, bool with_rev) {
    std::vector<senna::realtime::text_event::hole> holes;
    auto open = api::message_payload_open(stored, with_rev, &holes);
    if (!open)
        return std::nullopt;
    // The holes name the placeholders' places: seq's, then rev's.
    EXPECT_EQ(holes.size(), with_rev ? 2u : 1u);
    for (std::size_t i = 0; i < holes.size(); ++i) {
        const auto slot = i == 0 ? chat::slot::seq : chat::slot::rev;
        const std::string digits = json::serialize(senna::realtime::hub::placeholder(slot));
        EXPECT_EQ(holes[i].slot, i == 0 ? chat::slot::seq_text : chat::slot::rev_text);
        EXPECT_EQ(open->substr(holes[i].at, digits.size()), digits);
        EXPECT_FALSE(std::isdigit(static_cast<unsigned char>((*open)[holes[i].at - 1])));
    }
    std::vector<std::pair<std::string, std::string>> out;
    const auto e = api::to_participants(me, c, std::move(*open), std::move(holes));
    for (const auto& r : e.rooms) {
        EXPECT_TRUE(r.except.empty());
        out.emplace_back(r.name, e.open + r.tail);
    }
    return out;
}

} // namespace

// A send's or an edit's event written from the stored text (the hub takes text) is, byte for
// byte and room for room, what the DOM path writes: numeric and string ids, a DM both ways and a
// topic, with and without rev, and stored members the event sets (seq) or formats (edited).
TEST(api_deliveries, an_events_text_is_what_its_dom_writes) {
    chat::keys keys("senna-sockets", "myplatform");
    const chat::id n17{"17", true}, n4{"4", true}, alice{"alice", false}, bob{"b_o-b", false};
    const chat::id topic{"news", false}, numeric_topic{"7", true};
    auto made = chat::make_message("5c1d2a3b-0000-4000-8000-00000000abcd", n17, 1464903516342,
                                   "text", "h\xc3\xa9llo \"you\"\n\\ \x01");
    made.json.emplace("client_msg_id", "c-1");
    auto edited = made;
    edited.json["edited"] = "2016-06-02T21:40:00.000Z";
    edited.json["status"] = "seen";
    auto with_seq = made;
    with_seq.json["seq"] = 3; // a stored seq (seed data): the event's takes its place
    int compared = 0;
    for (const auto& m : {made, edited, with_seq})
        for (const auto& [me, c] :
             {std::pair{n17, keys.dm(n17, n4)}, std::pair{n4, keys.dm(n4, n17)},
              std::pair{alice, keys.dm(alice, bob)}, std::pair{n17, keys.topic(topic)},
              std::pair{bob, keys.topic(numeric_topic)}})
            for (bool with_rev : {false, true}) {
                const std::string stored = chat::serialize(m);
                auto text = by_text(me, c, stored, with_rev);
                ASSERT_TRUE(text) << stored;
                EXPECT_EQ(*text, by_dom(me, c, m, with_rev)) << stored;
                ++compared;
            }
    EXPECT_EQ(compared, 30);
    // The DM's two copies: the other user's names the sender, the sender's the other user.
    auto dm = by_text(n17, keys.dm(n17, n4), chat::serialize(made), false);
    ASSERT_EQ(dm->size(), 2u);
    EXPECT_EQ((*dm)[0].first, "user-4");
    EXPECT_TRUE((*dm)[0].second.ends_with(R"(,"chat":{"type":"user","id":17}})"));
    EXPECT_EQ((*dm)[1].first, "user-17");
    EXPECT_TRUE((*dm)[1].second.ends_with(R"(,"chat":{"type":"user","id":4}})"));
    // Texts the DOM path must take: none, not canonical, or with a member the event sets.
    EXPECT_FALSE(api::message_payload_open("", false));
    EXPECT_FALSE(api::message_payload_open(R"({"id":"x", "type":"text"})", false));
    EXPECT_FALSE(api::message_payload_open(R"({"id":"x","rev":2})", true));
    EXPECT_FALSE(api::message_payload_open(R"({"id":"x","chat":{}})", false));
    EXPECT_TRUE(api::message_payload_open(R"({"id":"x"})", false));
}

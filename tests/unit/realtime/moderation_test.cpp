// The moderation messages of the control channel and the checks of a snapshot (issue 17).
#include "realtime/moderation_state.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

namespace json = boost::json;
namespace rt = senna::realtime;
using kind = rt::moderation_action::kind;

namespace {
rt::parsed_action parse(std::string_view text) {
    return rt::parse_moderation(json::parse(text).as_object());
}
} // namespace

TEST(moderation, every_message_of_the_issue_parses_and_round_trips) {
    for (const char* text : {
             R"({"type":"kick","user_id":7,"reason":"spam"})",
             R"({"type":"ban","user_id":"alice_1","until":1900000000})",
             R"({"type":"ban","user_id":7})",
             R"({"type":"unban","user_id":7})",
             R"({"type":"revoke","user_id":7,"before":1800000000})",
             R"({"type":"mute","user_id":7,"topic":"general","until":1900000000})",
             R"({"type":"mute","user_id":7,"topic":12})",
             R"({"type":"unmute","user_id":7,"topic":"general"})",
         }) {
        auto p = parse(text);
        ASSERT_TRUE(p.action) << text << ": " << p.error;
        EXPECT_EQ(json::serialize(rt::to_json(*p.action)), text);
    }
    auto a = parse(R"({"type":"ban","user_id":"42","until":1900000000.9,"reason":"x"})");
    ASSERT_TRUE(a.action);
    EXPECT_EQ(a.action->type, kind::ban);
    EXPECT_EQ(a.action->user, "42");
    EXPECT_TRUE(a.action->numeric); // "42" and 42 are one user
    EXPECT_EQ(a.action->until, 1900000000);
}

TEST(moderation, malformed_messages_name_the_field) {
    EXPECT_EQ(parse(R"({"type":"ban"})").error, "user_id");
    EXPECT_EQ(parse(R"({"type":"ban","user_id":"no way"})").error, "user_id");
    EXPECT_EQ(parse(R"({"type":"ban","user_id":1,"until":"tomorrow"})").error, "until");
    EXPECT_EQ(parse(R"({"type":"ban","user_id":1,"until":-5})").error, "until");
    EXPECT_EQ(parse(R"({"type":"revoke","user_id":1})").error, "before");
    EXPECT_EQ(parse(R"({"type":"mute","user_id":1})").error, "topic");
    EXPECT_EQ(parse(R"({"type":"join-room","user_id":1})").error, "type");
    EXPECT_FALSE(rt::moderation_kind("join-room"));
}

TEST(moderation, a_long_reason_is_cut_at_a_character_boundary) {
    std::string reason(rt::max_reason_bytes - 1, 'x');
    reason += "\xC3\xA9\xC3\xA9"; // two 2-byte characters across the limit
    json::object o{{"type", "kick"}, {"user_id", 1}, {"reason", reason}};
    auto p = rt::parse_moderation(o);
    ASSERT_TRUE(p.action);
    EXPECT_EQ(p.action->reason.size(), rt::max_reason_bytes - 1);
}

TEST(moderation, snapshot_checks_follow_time_and_iat) {
    rt::moderation_snapshot s;
    const std::int64_t now = 1'800'000'000;
    EXPECT_FALSE(s.banned("7", now));
    rt::moderation_action ban{kind::ban, "7", true, "", false, "", now + 60, 0};
    s.apply(ban);
    EXPECT_TRUE(s.banned("7", now));
    EXPECT_FALSE(s.banned("7", now + 60)); // until is exclusive: lifted at that second
    EXPECT_FALSE(s.banned("8", now));
    s.apply({kind::ban, "8", true, "", false, "", 0, 0});
    EXPECT_TRUE(s.banned("8", now + 1'000'000)); // 0: until lifted
    s.apply({kind::unban, "8", true, "", false, "", 0, 0});
    EXPECT_FALSE(s.banned("8", now));

    s.apply({kind::revoke, "7", true, "", false, "", 0, now});
    EXPECT_TRUE(s.revoked("7", now - 1));
    EXPECT_FALSE(s.revoked("7", now));         // issued at the cut or later: fine
    EXPECT_TRUE(s.revoked("7", std::nullopt)); // no iat: cannot prove it is newer
    EXPECT_FALSE(s.revoked("9", std::nullopt));
    // A revocation never moves back.
    s.apply({kind::revoke, "7", true, "", false, "", 0, now - 100});
    EXPECT_TRUE(s.revoked("7", now - 1));

    s.apply({kind::mute, "7", true, "general", false, "", 0, 0});
    EXPECT_TRUE(s.muted("general", "7", now));
    EXPECT_FALSE(s.muted("other", "7", now));
    EXPECT_FALSE(s.muted("general", "8", now));
    s.apply({kind::unmute, "7", true, "general", false, "", 0, 0});
    EXPECT_FALSE(s.muted("general", "7", now));
}

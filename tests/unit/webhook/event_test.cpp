// webhook/event.hpp and stats.hpp: a stream entry becomes the same body at every attempt, the
// signature is the documented HMAC (checked against Python's hmac), retries back off up to the
// cap, and the metrics render under their documented names.

#include "webhook/event.hpp"
#include "webhook/stats.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

namespace senna::webhook {
namespace {

using namespace std::chrono_literals;

stored_event entry(std::vector<std::string_view> fields) {
    auto e = from_fields("1796548205547-0", fields);
    EXPECT_TRUE(e);
    return e.value_or(stored_event{});
}

TEST(webhook_event, a_message_body_carries_seq_and_rev_as_numbers) {
    auto e =
        entry({"event", "message.updated", "user", "2", "data",
               R"({"id":"m1","text":"hi","chat":{"type":"user","id":1}})", "seq", "7", "rev", "3"});
    EXPECT_EQ(body(e), R"({"id":"1796548205547-0","event":"message.updated",)"
                       R"("created_at":"2026-12-06T09:10:05.547Z","user_id":2,)"
                       R"("data":{"id":"m1","text":"hi","chat":{"type":"user","id":1},)"
                       R"("seq":7,"rev":3}})");
    EXPECT_EQ(body(e), body(e)); // the same bytes at every attempt
}

TEST(webhook_event, presence_bodies_and_string_ids) {
    auto e = entry({"event", "user.offline", "user", "alice", "data",
                    R"({"status":"offline","last_active":null})"});
    EXPECT_EQ(body(e), R"({"id":"1796548205547-0","event":"user.offline",)"
                       R"("created_at":"2026-12-06T09:10:05.547Z","user_id":"alice",)"
                       R"("data":{"status":"offline","last_active":null}})");
}

TEST(webhook_event, entries_without_their_fields_are_refused) {
    std::vector<std::string_view> none;
    EXPECT_FALSE(from_fields("1-0", none));
    EXPECT_FALSE(from_fields("1-0", {"event", "message.new", "user", "2"}));
    EXPECT_FALSE(from_fields("1-0", {"event", "message.new", "data", "{}"}));
    // Data that is not JSON is passed on as a string rather than dropped.
    auto odd = from_fields("1-0", {"event", "message.new", "user", "2", "data", "not json"});
    ASSERT_TRUE(odd);
    EXPECT_EQ(boost::json::parse(body(*odd)).at("data"), "not json");
}

TEST(webhook_signer, is_the_documented_hmac) {
    // python3 -c "import hmac,hashlib; print(hmac.new(b'whsec', b'1700000000.{\"a\":1}',
    //             hashlib.sha256).hexdigest())"
    signer sign("whsec");
    EXPECT_EQ(sign(1700000000, R"({"a":1})"),
              "t=1700000000,v1=8ad37ba156048ae0e0a5533c75cdf26fee88b07f93cb57ee4c80adb053012032");
    EXPECT_NE(sign(1700000001, R"({"a":1})"), sign(1700000000, R"({"a":1})"));
    EXPECT_THROW(signer(""), std::invalid_argument);
}

TEST(webhook_retry, doubles_from_the_base_up_to_the_cap) {
    std::vector<long> got;
    for (std::size_t a = 1; a <= 9; ++a)
        got.push_back(static_cast<long>(retry_delay(a, 1000ms, 60000ms).count()));
    EXPECT_EQ(got, (std::vector<long>{1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000}));
    EXPECT_EQ(retry_delay(1000, 1ms, 5ms), 5ms); // no overflow however many attempts
}

TEST(webhook_stats, render_under_the_documented_names) {
    stats s;
    s.attempt("message.new", outcome::rejected);
    s.attempt("message.new", outcome::delivered);
    s.attempt("user.offline", outcome::timeout);
    s.dead("user.online");
    s.retry_queue = 2;
    std::string out;
    render(out, s);
    for (const char* line : {
             R"(senna_webhook_deliveries_total{event="message.new",outcome="rejected"} 1)",
             R"(senna_webhook_deliveries_total{event="message.new",outcome="delivered"} 1)",
             R"(senna_webhook_deliveries_total{event="user.offline",outcome="timeout"} 1)",
             R"(senna_webhook_deliveries_total{event="message.deleted",outcome="failed"} 0)",
             R"(senna_webhook_dead_letters_total{event="user.online"} 1)",
             "senna_webhook_retry_queue 2",
             "senna_webhook_in_flight 0",
             "senna_webhook_claimed_total 0",
             "senna_webhook_topics_skipped_total 0",
             "senna_webhook_request_duration_seconds_count 0",
             "senna_webhook_delivery_lag_seconds_count 0",
         })
        EXPECT_NE(out.find(std::string(line) + "\n"), std::string::npos) << line;
}

} // namespace
} // namespace senna::webhook

// platform::client::session against the fake platform: allowed, refused (banned, deleted,
// 401/403) and failed (down, 500, garbage, hung, no role) outcomes, and what is sent.

#include "fake_platform.hpp"
#include "platform/client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

namespace senna::platform {
namespace {

using namespace std::chrono_literals;
using test::clock;
using test::fake_platform;
using test::ms_since;
using test::run_async;
using outcome = session_result::outcome;

boost::json::object session_data() {
    return boost::json::parse(R"({
        "session": {
            "good": {"id": 1, "username": "one", "role": {"handle": "member"}},
            "banned": {"id": 2, "username": "two", "role": {"handle": "banned"}},
            "deleted": {"id": 3, "username": "three", "role": {"handle": "deleted"}},
            "norole": {"id": 4, "username": "four"},
            "noid": {"username": "five", "role": {"handle": "member"}}
        }
    })")
        .as_object();
}

settings quick(const std::string& url, std::chrono::milliseconds timeout = 1000ms) {
    settings s;
    s.api_url = url;
    s.timeout = timeout;
    s.connect_timeout = 500ms;
    return s;
}

session_result check(client& c, net::asio::io_context& ioc, std::string token) {
    session_result out;
    run_async(ioc, [&]() -> net::awaitable<void> { out = co_await c.session(token); });
    return out;
}

TEST(session, allows_a_member_and_sends_the_token_as_peer_node_does) {
    fake_platform fake(session_data());
    net::asio::io_context ioc;
    stats st;
    client c(ioc.get_executor(), quick(fake.url()), &st);
    session_result r = check(c, ioc, "good");
    EXPECT_EQ(r.result, outcome::allowed) << r.reason;
    EXPECT_EQ(boost::json::serialize(r.user),
              R"({"id":1,"username":"one","role":{"handle":"member"}})");
    auto reqs = fake.stats().at("requests").as_array();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].at("path").as_string(), "/v1/session");
    EXPECT_EQ(reqs[0].at("query").as_string(), "");
    const auto& h = reqs[0].at("headers").as_object();
    EXPECT_EQ(h.at("x-auth-token").as_string(), "good");
    EXPECT_EQ(h.at("authorization").as_string(), "Bearer good");
    EXPECT_EQ(h.at("user-agent").as_string(), "Senna-Sockets-Server");
    EXPECT_EQ(h.at("accept").as_string(), "application/json");
    EXPECT_EQ(st.requests.value(), 1u);
    EXPECT_EQ(st.errors.value(), 0u);
}

TEST(session, uses_the_configured_token_header_and_is_not_cached) {
    fake_platform fake(session_data());
    net::asio::io_context ioc;
    settings s = quick(fake.url());
    s.token_header = "X-Platform-Token";
    s.user_agent = "senna-test";
    client c(ioc.get_executor(), s);
    EXPECT_EQ(check(c, ioc, "good").result, outcome::allowed);
    EXPECT_EQ(check(c, ioc, "good").result, outcome::allowed);
    auto reqs = fake.stats().at("requests").as_array();
    ASSERT_EQ(reqs.size(), 2u);
    const auto& h = reqs[1].at("headers").as_object();
    EXPECT_EQ(h.at("x-platform-token").as_string(), "good");
    EXPECT_FALSE(h.contains("x-auth-token"));
    EXPECT_EQ(h.at("user-agent").as_string(), "senna-test");
}

TEST(session, refuses_banned_and_deleted_users_and_rejected_tokens) {
    fake_platform fake(session_data());
    net::asio::io_context ioc;
    stats st;
    client c(ioc.get_executor(), quick(fake.url()), &st);
    session_result r = check(c, ioc, "banned");
    EXPECT_EQ(r.result, outcome::refused);
    EXPECT_EQ(r.reason, "banned");
    EXPECT_EQ(r.user.at("id").as_int64(), 2);
    r = check(c, ioc, "deleted");
    EXPECT_EQ(r.result, outcome::refused);
    EXPECT_EQ(r.reason, "deleted");
    r = check(c, ioc, "unknown"); // 401
    EXPECT_EQ(r.result, outcome::refused);
    EXPECT_EQ(r.reason, "rejected");
    fake.set_mode({{"failWith", 403}});
    r = check(c, ioc, "good");
    EXPECT_EQ(r.result, outcome::refused);
    EXPECT_EQ(r.reason, "rejected");
    EXPECT_EQ(st.errors.value(), 0u); // answers, not failures
    // Never sent: it cannot be a header value.
    r = check(c, ioc, "bad\r\nX-Evil: 1");
    EXPECT_EQ(r.result, outcome::refused);
    EXPECT_EQ(fake.request_count(), 4u);
}

TEST(session, fails_on_answers_without_a_user_role) {
    fake_platform fake(session_data());
    net::asio::io_context ioc;
    stats st;
    client c(ioc.get_executor(), quick(fake.url()), &st);
    EXPECT_EQ(check(c, ioc, "norole").result, outcome::failed);
    EXPECT_EQ(check(c, ioc, "noid").result, outcome::failed);
    EXPECT_EQ(st.errors.value(), 2u);
}

TEST(session, fails_when_the_platform_errs_or_answers_garbage) {
    fake_platform fake(session_data());
    net::asio::io_context ioc;
    client c(ioc.get_executor(), quick(fake.url()));
    for (const char* mode : {R"({"failWith": 500})", R"({"failWith": 502})",
                             R"({"failWith": "garbage"})", R"({"failWith": "close"})"}) {
        fake.set_mode(boost::json::parse(mode).as_object());
        session_result r = check(c, ioc, "good");
        EXPECT_EQ(r.result, outcome::failed) << mode;
        EXPECT_FALSE(r.reason.empty()) << mode;
        EXPECT_EQ(r.reason.find("good"), std::string::npos) << "the token leaked: " << r.reason;
    }
}

TEST(session, fails_within_the_timeout_when_the_platform_hangs) {
    fake_platform fake(session_data());
    fake.set_mode({{"failWith", "hang"}});
    net::asio::io_context ioc;
    client c(ioc.get_executor(), quick(fake.url(), 300ms));
    const auto started = clock::now();
    session_result r = check(c, ioc, "good");
    EXPECT_EQ(r.result, outcome::failed);
    EXPECT_GE(ms_since(started), 290);
    EXPECT_LT(ms_since(started), 450);
}

TEST(session, fails_when_the_platform_is_down) {
    fake_platform fake(session_data());
    const std::string url = fake.url();
    fake.stop();
    net::asio::io_context ioc;
    client c(ioc.get_executor(), quick(url));
    const auto started = clock::now();
    session_result r = check(c, ioc, "good");
    EXPECT_EQ(r.result, outcome::failed);
    EXPECT_LT(ms_since(started), 200);
}

} // namespace
} // namespace senna::platform

// The table of client errors (api/client_error.hpp): every row is complete for where it is
// sent, and the answers built from it have the shapes SPEC §3 and §5 give.

#include "api/client_error.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

using namespace senna::api;

namespace {

constexpr client_error last = client_error::demo_tokens_disabled;

} // namespace

TEST(client_error, every_row_is_complete_for_where_it_is_sent) {
    for (int n = 0; n <= static_cast<int>(last); ++n) {
        const auto e = static_cast<client_error>(n);
        const auto& i = info(e);
        SCOPED_TRACE(std::string(i.code));
        EXPECT_FALSE(i.code.empty());
        EXPECT_NE(i.where, 0);
        EXPECT_EQ(i.status != senna::http::status::unknown, (i.where & via::rest) != 0);
        EXPECT_EQ(!i.legacy.empty(), (i.where & via::legacy) != 0);
        // A refused connection and the legacy flow send the table's message as it is.
        if (i.where & (via::connect_error | via::legacy | via::event)) {
            EXPECT_FALSE(i.message.empty());
        }
    }
}

TEST(client_error, rest_answer) {
    const auto res = rest_error(client_error::not_authenticated, 11);
    EXPECT_EQ(res.result_int(), 401);
    EXPECT_EQ(res.body(),
              R"({"error":true,"code":"NOT_AUTHENTICATED","name":"UnauthenticatedError",)"
              R"("message":"You are not authenticated","status":401})");
    const auto custom =
        rest_error(client_error::invalid_token, 11, "other message", "TokenExpiredError");
    EXPECT_EQ(custom.body(),
              R"({"error":true,"code":"INVALID_TOKEN_ERR","name":"TokenExpiredError",)"
              R"("message":"other message","status":401})");
}

TEST(client_error, ack_answer) {
    EXPECT_EQ(boost::json::serialize(ack_error(client_error::rate_limited)),
              R"({"error":{"code":"RATE_LIMITED","message":)"
              R"("Too many messages - please slow down and try again shortly"}})");
    EXPECT_EQ(boost::json::serialize(ack_error(client_error::unknown_event, "Unknown event \"x\"")),
              R"({"error":{"code":"UNKNOWN_EVENT","message":"Unknown event \"x\""}})");
}

TEST(client_error, legacy_codes_are_the_seeds) {
    EXPECT_EQ(info(client_error::invalid_token).legacy, "invalid_token");
    EXPECT_EQ(info(client_error::incorrect_token).legacy, "invalid_token");
    EXPECT_EQ(info(client_error::session_check_failed).legacy, "api_error");
    EXPECT_EQ(info(client_error::too_many_sockets).legacy, "too_many_sockets");
    for (auto e :
         {client_error::user_banned, client_error::user_deleted, client_error::session_rejected})
        EXPECT_EQ(info(e).legacy, "user_error");
}

#include "http/cors.hpp"

#include <gtest/gtest.h>

namespace http = senna::http;

namespace {
http::request preflight(std::string origin) {
    http::request req{http::verb::options, "/api/list", 11};
    req.set(http::field::origin, origin);
    req.set(http::field::access_control_request_method, "POST");
    req.set(http::field::access_control_request_headers, "x-auth-token,content-type");
    return req;
}
} // namespace

TEST(cors, star_allows_every_origin) {
    http::cors_policy p({"*"});
    auto req = preflight("https://app.example");
    ASSERT_TRUE(http::cors_policy::is_preflight(req));
    auto res = p.preflight(req);
    EXPECT_EQ(res.result(), http::status::no_content);
    EXPECT_EQ(res[http::field::access_control_allow_origin], "*");
    EXPECT_EQ(res[http::field::access_control_allow_headers], "x-auth-token,content-type");
    EXPECT_EQ(res[http::field::access_control_allow_methods], "GET,HEAD,PUT,PATCH,POST,DELETE");
    EXPECT_EQ(res[http::field::access_control_max_age], "600");
}

TEST(cors, a_list_echoes_listed_origins_only) {
    http::cors_policy p({"https://a.example", "https://b.example"});
    http::request req{http::verb::get, "/api", 11};
    req.set(http::field::origin, "https://b.example");
    http::response res;
    p.apply(req, res);
    EXPECT_EQ(res[http::field::access_control_allow_origin], "https://b.example");
    EXPECT_EQ(res[http::field::vary], "Origin");

    req.set(http::field::origin, "https://evil.example");
    http::response denied;
    p.apply(req, denied);
    EXPECT_EQ(denied.find(http::field::access_control_allow_origin), denied.end());
}

TEST(cors, options_without_request_method_is_not_a_preflight) {
    http::request req{http::verb::options, "/api", 11};
    req.set(http::field::origin, "https://a.example");
    EXPECT_FALSE(http::cors_policy::is_preflight(req));
}

// Issue 17: a browser client with withCredentials and extra headers preflights its polling
// request; the answer must allow credentials for the origin, as the polling answers do.
TEST(cors, a_socketio_preflight_allows_credentials_for_an_allowed_origin) {
    for (const std::vector<std::string>& origins :
         {std::vector<std::string>{"*"}, std::vector<std::string>{"https://app.example"}}) {
        http::cors_policy p(origins, {"/socket.io/"});
        http::request req{http::verb::options, "/socket.io/?EIO=4&transport=polling", 11};
        req.set(http::field::origin, "https://app.example");
        req.set(http::field::access_control_request_method, "GET");
        req.set(http::field::access_control_request_headers, "x-auth-token");
        auto res = p.preflight(req);
        EXPECT_EQ(res.result(), http::status::no_content);
        EXPECT_EQ(res[http::field::access_control_allow_origin], "https://app.example");
        EXPECT_EQ(res[http::field::access_control_allow_credentials], "true");
        EXPECT_EQ(res[http::field::access_control_allow_headers], "x-auth-token");
        EXPECT_EQ(res[http::field::vary], "Origin, Access-Control-Request-Headers");
    }
}

TEST(cors, credentials_only_under_the_prefix_and_for_allowed_origins) {
    http::cors_policy p({"https://app.example"}, {"/socket.io/"});
    http::request rest{http::verb::options, "/api/list", 11};
    rest.set(http::field::origin, "https://app.example");
    rest.set(http::field::access_control_request_method, "GET");
    auto r1 = p.preflight(rest);
    EXPECT_EQ(r1[http::field::access_control_allow_origin], "https://app.example");
    EXPECT_EQ(r1.find(http::field::access_control_allow_credentials), r1.end());

    http::request other{http::verb::options, "/socket.io/?EIO=4", 11};
    other.set(http::field::origin, "https://evil.example");
    other.set(http::field::access_control_request_method, "GET");
    auto r2 = p.preflight(other);
    EXPECT_EQ(r2.find(http::field::access_control_allow_origin), r2.end());
    EXPECT_EQ(r2.find(http::field::access_control_allow_credentials), r2.end());

    http::cors_policy star({"*"}, {"/socket.io/"});
    auto r3 = star.preflight(rest);
    EXPECT_EQ(r3[http::field::access_control_allow_origin], "*");
    EXPECT_EQ(r3.find(http::field::access_control_allow_credentials), r3.end());
}

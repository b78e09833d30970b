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

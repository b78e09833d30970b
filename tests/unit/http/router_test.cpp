#include "http/router.hpp"

#include <gtest/gtest.h>

namespace http = senna::http;
using http::verb;

namespace {
http::handler tagged(int) {
    return [](http::request_context&) -> senna::net::awaitable<http::response> {
        co_return http::response{};
    };
}

http::router make() {
    http::router r;
    r.add(verb::get, "/api", tagged(0));
    r.add(verb::get, "/api/list", tagged(1));
    r.add(verb::get, "/api/:target/:id", tagged(2));
    r.add(verb::post, "/api/:target/:id", tagged(3));
    r.add(verb::post, "/api/:target/:id/:message_id", tagged(4));
    r.add(verb::delete_, "/api/:target/:id/:message_id", tagged(5));
    return r;
}
} // namespace

TEST(router, matches_literals_and_captures_with_decoding) {
    auto r = make();
    auto m = r.match(verb::get, "/api/user/a%2Db");
    ASSERT_EQ(m.kind, http::router::outcome::found);
    EXPECT_EQ(m.matched->pattern, "/api/:target/:id");
    ASSERT_EQ(m.params.size(), 2u);
    EXPECT_EQ(m.params[0].first, "target");
    EXPECT_EQ(m.params[0].second, "user");
    EXPECT_EQ(m.params[1].second, "a-b");
    EXPECT_EQ(r.match(verb::get, "/api/list").matched->pattern, "/api/list");
}

TEST(router, one_trailing_slash_is_ignored) {
    auto r = make();
    EXPECT_EQ(r.match(verb::get, "/api/").kind, http::router::outcome::found);
    EXPECT_EQ(r.match(verb::get, "/api").kind, http::router::outcome::found);
    EXPECT_EQ(r.match(verb::get, "/api/list/").matched->pattern, "/api/list");
    EXPECT_EQ(r.match(verb::get, "/api//").kind, http::router::outcome::not_found);
}

TEST(router, unknown_paths_are_not_found) {
    auto r = make();
    EXPECT_EQ(r.match(verb::get, "/nope").kind, http::router::outcome::not_found);
    EXPECT_EQ(r.match(verb::get, "/api/a/b/c/d").kind, http::router::outcome::not_found);
    EXPECT_EQ(r.match(verb::get, "/api/user/").kind, http::router::outcome::not_found);
}

TEST(router, first_fitting_pattern_decides_the_405_and_its_allow_list) {
    auto r = make();
    auto m = r.match(verb::post, "/api/list");
    EXPECT_EQ(m.kind, http::router::outcome::method_not_allowed);
    EXPECT_EQ(m.matched->allow, "GET, HEAD");
    auto d = r.match(verb::delete_, "/api/user/5");
    EXPECT_EQ(d.kind, http::router::outcome::method_not_allowed);
    EXPECT_EQ(d.matched->allow, "GET, HEAD, POST");
    auto g = r.match(verb::get, "/api/user/5/abc");
    EXPECT_EQ(g.matched->allow, "POST, DELETE");
}

TEST(router, head_is_answered_by_get) {
    auto r = make();
    auto m = r.match(verb::head, "/api/list");
    EXPECT_EQ(m.kind, http::router::outcome::found);
    EXPECT_EQ(r.match(verb::head, "/api/user/1/x").kind, http::router::outcome::method_not_allowed);
}

TEST(router, empty_segments_never_fill_a_capture) {
    auto r = make();
    EXPECT_EQ(r.match(verb::get, "/api//1").kind, http::router::outcome::not_found);
    EXPECT_EQ(r.match(verb::get, "/api/user//").kind, http::router::outcome::not_found);
    EXPECT_EQ(r.match(verb::post, "/api/user/1//").kind, http::router::outcome::not_found);
    EXPECT_EQ(r.match(verb::get, "//list").kind, http::router::outcome::not_found);
    auto m = r.match(verb::delete_, "/api/topic/t/m1/");
    ASSERT_EQ(m.kind, http::router::outcome::found);
    ASSERT_EQ(m.params.size(), 3u);
    EXPECT_EQ(m.params[2].second, "m1");
}

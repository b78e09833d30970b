#include "api/demo_routes.hpp"

#include "api/client_error.hpp"
#include "api/demo_assets.hpp"
#include "auth/issue.hpp"
#include "auth/jwt.hpp"
#include "http/response.hpp"
#include "util/strings.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <string>

namespace senna::api {

namespace json = boost::json;
using http::field;
using http::request_context;
using http::response;
using http::status;
using http::verb;

std::string_view demo_content_type(std::string_view name) noexcept {
    auto ends_with = [name](std::string_view suffix) {
        return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
    };
    if (ends_with(".html"))
        return "text/html; charset=utf-8";
    if (ends_with(".js"))
        return "text/javascript; charset=utf-8";
    if (ends_with(".css"))
        return "text/css; charset=utf-8";
    if (ends_with(".png"))
        return "image/png";
    if (ends_with(".svg"))
        return "image/svg+xml";
    if (ends_with(".woff2"))
        return "font/woff2";
    return "";
}

namespace {

const demo_asset* find_asset(const std::vector<demo_asset>& assets, std::string_view name) {
    for (const auto& a : assets)
        if (a.name == name)
            return &a;
    return nullptr;
}

// One embedded file. `Cache-Control: no-cache` with a strong ETag: the browser revalidates
// each time and gets a 304 until a new build changes the file.
response serve(const request_context& ctx, std::string_view name,
               const std::vector<demo_asset>& assets = demo_assets()) {
    const demo_asset* a = find_asset(assets, name);
    const unsigned version = ctx.req.version();
    if (!a || demo_content_type(name).empty())
        return http::not_found_response(version);
    const auto inm = ctx.req.find(field::if_none_match);
    const bool fresh = inm != ctx.req.end() && inm->value().find(a->etag) != std::string_view::npos;
    response res{fresh ? status::not_modified : status::ok, version};
    res.set(field::content_type, demo_content_type(name));
    res.set(field::etag, a->etag);
    res.set(field::cache_control, "no-cache");
    res.set("X-Content-Type-Options", "nosniff");
    if (!fresh)
        res.body() = std::string(a->bytes);
    res.prepare_payload();
    return res;
}

response bad_request(const request_context& ctx, std::string_view message) {
    return rest_error(client_error::bad_request, ctx.req.version(), message);
}

// POST /demo/token {"user_id": 1 | "alice", "username"?: "alice"} -> {"token": "..."}, signed
// as `senna token` signs (app/token_command.cpp), with the demo's ttl.
response mint(const request_context& ctx, const demo_services& s) {
    if (!s.signer)
        return rest_error(client_error::demo_tokens_disabled, ctx.req.version());
    const std::string& body = ctx.req.body();
    if (!util::valid_utf8(body))
        return bad_request(ctx, "The request body is not valid UTF-8");
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec || !v.is_object())
        return bad_request(ctx, "The request body must be a JSON object");
    const json::object& o = v.get_object();
    auth::token_claims c;
    const json::value* id = o.if_contains("user_id");
    if (id && id->is_int64() && id->get_int64() >= 1 &&
        id->get_int64() <= auth::max_numeric_user_id)
        c.user_id = std::to_string(id->get_int64());
    else if (id && id->is_string())
        c.user_id = std::string(id->get_string());
    else
        return bad_request(ctx,
                           "user_id (a positive integer up to 2^53-1, or a string) is required");
    if (const json::value* name = o.if_contains("username"); name && !name->is_null()) {
        if (!name->is_string())
            return bad_request(ctx, "username must be a string");
        if (!name->get_string().empty())
            c.username = std::string(name->get_string());
    }
    c.issued_at = s.now();
    c.ttl_seconds = s.token_ttl_seconds;
    std::string why;
    auto claims = auth::make_claims(c, why);
    if (!claims)
        return bad_request(ctx, why);
    std::string token = auth::sign_token(*s.signer, *claims);
    if (token.empty())
        return http::internal_error_response(ctx.req.version());
    return http::json_response(status::ok, json::object{{"token", std::move(token)}},
                               ctx.req.version());
}

// The Admin UI's page may load only senna's files and talk only to senna (its Socket.IO
// connection); Vuetify sets inline styles. Framed by no one.
constexpr const char* admin_ui_policy =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

response serve_admin_ui(const request_context& ctx, const std::string& name) {
    response res = serve(ctx, name, admin_ui_assets());
    if (res.result() != status::not_found) {
        res.set("Content-Security-Policy", admin_ui_policy);
        res.set("Referrer-Policy", "no-referrer");
    }
    return res;
}

} // namespace

void add_demo_routes(http::router& r, const demo_services& s) {
    const demo_services* sp = &s;
    // Before /demo/:file, whose pattern also fits and would answer POST with 405.
    r.add(verb::post, "/demo/token",
          [sp](request_context& ctx) -> net::awaitable<response> { co_return mint(ctx, *sp); });
    // "/demo" and "/demo/" (the router ignores one trailing slash): the page. Its links are
    // absolute (/demo/app.js), so both forms load the same files.
    r.add(verb::get, "/demo", [](request_context& ctx) -> net::awaitable<response> {
        co_return serve(ctx, "index.html");
    });
    r.add(verb::get, "/demo/:file", [](request_context& ctx) -> net::awaitable<response> {
        co_return serve(ctx, ctx.param("file"));
    });
}

void add_admin_ui_routes(http::router& r) {
    // "/admin-ui" and "/admin-ui/" share a pattern (one trailing slash is ignored): the page's
    // links are relative (js/app.js), so it is served at the one with the slash.
    r.add(verb::get, "/admin-ui", [](request_context& ctx) -> net::awaitable<response> {
        if (!ctx.path.ends_with('/')) {
            response res{status::moved_permanently, ctx.req.version()};
            res.set(field::location, "/admin-ui/");
            res.content_length(0);
            co_return res;
        }
        co_return serve_admin_ui(ctx, "index.html");
    });
    r.add(verb::get, "/admin-ui/:file", [](request_context& ctx) -> net::awaitable<response> {
        co_return serve_admin_ui(ctx, std::string(ctx.param("file")));
    });
    r.add(verb::get, "/admin-ui/:dir/:file", [](request_context& ctx) -> net::awaitable<response> {
        co_return serve_admin_ui(ctx, std::string(ctx.param("dir")) + "/" +
                                          std::string(ctx.param("file")));
    });
    r.add(verb::get, "/admin-ui/mdi/:dir/:file",
          [](request_context& ctx) -> net::awaitable<response> {
              co_return serve_admin_ui(ctx, "mdi/" + std::string(ctx.param("dir")) + "/" +
                                                std::string(ctx.param("file")));
          });
}

} // namespace senna::api

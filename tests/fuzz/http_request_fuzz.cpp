// libFuzzer target for the HTTP request path up to the chat service, without sockets or Redis.
// The input is the raw bytes a client sends on a connection:
//  1. Beast's request_parser<string_body> with the server's limits (http/session.cpp: header
//     16 KiB, body 1 MiB), fed all at once, then end of stream;
//  2. a complete request goes on as http/session.cpp's dispatch takes it: CORS preflight test
//     and headers (http/cors), target split (http/query), the route table of
//     api/rest_routes.cpp (http/router), the token (api/authenticate: X-Auth-Token or
//     Authorization: Bearer, verified under an HS256 secret);
//  3. on /api/:target/:id[/:message_id], what api/chat_handlers.cpp's prepare() and the chat
//     service check before touching Redis: the body as read_body() reads it (UTF-8, JSON
//     object), target and id as service::resolve() does (chat/id, chat/keys), the query's
//     pagination (api/format), and for a send the content checks of service::send() (type,
//     UTF-8, length), then the message as it would be stored and answered (chat/message,
//     api/format).
// read_body(), resolve() and send()'s checks are private to files that also do I/O (Redis),
// so step 3 repeats their few lines here; everything else is the real code.
// Checks: no crash, no exception, no sanitizer report; target = path + '?' + query; a matched
// route's captures are non-empty; HEAD finds what GET finds; pagination stays in 1.. and
// 1..100; a parsed id round-trips through its JSON form; a DM's key is the same from both
// sides; a message that passes the checks is stored and read back unchanged, and answers
// with its timestamp as a TS.
//
// Built and run by scripts/fuzz.sh:
//   scripts/fuzz.sh http_request_fuzz   (FUZZ_SECONDS=60 by default)

#include "api/authenticate.hpp"
#include "api/format.hpp"
#include "auth/jwt.hpp"
#include "chat/id.hpp"
#include "chat/keys.hpp"
#include "chat/message.hpp"
#include "http/cors.hpp"
#include "http/query.hpp"
#include "http/router.hpp"
#include "util/strings.hpp"

#include <boost/beast/http/parser.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace http = senna::http;
namespace chat = senna::chat;
namespace api = senna::api;
namespace json = boost::json;
using http::verb;

namespace {

constexpr std::size_t header_limit = 16 * 1024; // config.hpp's http_header_limit default
constexpr std::size_t body_limit = 1024 * 1024; // http_body_limit
constexpr std::size_t max_text_length = 10000;  // chat::limits
constexpr std::size_t max_image_length = 2048;

std::string_view sv(boost::beast::string_view v) {
    return {v.data(), v.size()};
}

const http::router& routes() {
    static const http::router r = [] {
        // api/rest_routes.cpp's table, in its order; handlers are never called here.
        http::router t;
        t.add(verb::get, "/", {});
        t.add(verb::get, "/healthz", {});
        t.add(verb::get, "/readyz", {});
        t.add(verb::get, "/metrics", {});
        t.add(verb::get, "/api", {});
        t.add(verb::get, "/api/list", {});
        t.add(verb::get, "/api/:target/:id", {});
        t.add(verb::post, "/api/:target/:id", {});
        t.add(verb::post, "/api/:target/:id/:message_id", {});
        t.add(verb::delete_, "/api/:target/:id/:message_id", {});
        return t;
    }();
    return r;
}

const senna::auth::verifier& verifier() {
    static const senna::auth::verifier v = [] {
        auto made = senna::auth::verifier::create(
            senna::auth::algorithm::hs256,
            "3f54995b9c5872ac552b1c34f7ad8b6a4218d53394a191c8f53b9b35b904b119");
        if (!made)
            std::abort();
        return *made;
    }();
    return v;
}

// chat_handlers.cpp's read_body(): empty is {}, then UTF-8, then a JSON object.
std::optional<json::object> read_body(const std::string& b) {
    if (senna::util::trim(b).empty())
        return json::object{};
    if (!senna::util::valid_utf8(b))
        return std::nullopt;
    boost::system::error_code ec;
    json::value v = json::parse(b, ec);
    if (ec || !v.is_object())
        return std::nullopt;
    return std::move(v.get_object());
}

// service::resolve().
std::optional<chat::chat_ref> resolve(const chat::keys& k, const chat::id& me,
                                      std::string_view target, std::string_view raw_id) {
    if (target != "user" && target != "topic")
        return std::nullopt;
    auto other = chat::id::parse(raw_id);
    if (!other)
        return std::nullopt;
    if (other->text != raw_id || chat::id::from_json(other->to_json()) != other ||
        chat::id::from_json(other->to_json())->numeric != other->numeric)
        std::abort();
    if (target == "topic")
        return k.topic(*other);
    if (*other == me)
        return std::nullopt;
    auto dm = k.dm(me, *other);
    if (dm.state_key != k.dm(*other, me).state_key || dm.other != *other)
        std::abort();
    return dm;
}

// service::send()'s checks, then the message as stored and as answered.
void send(const chat::id& me, const json::object& body) {
    std::string_view type;
    if (auto it = body.find("type"); it != body.end() && it->value().is_string())
        type = it->value().get_string();
    if (type != "text" && type != "image")
        return;
    auto it = body.find(type);
    if (it == body.end() || !it->value().is_string() || it->value().get_string().empty())
        return;
    const std::string_view content = it->value().get_string();
    if (!senna::util::valid_utf8(content))
        return;
    const std::size_t n = chat::code_points(content);
    if (n > content.size())
        std::abort();
    if (type == "image" ? content.size() > max_image_length : n > max_text_length)
        return;

    const auto m = chat::make_message("0b5e6f3c-2f4a-4c5e-9d7b-1a2b3c4d5e6f", me, 1700000000123,
                                      type, content);
    const auto stored = chat::parse_stored(chat::serialize(m));
    if (!stored || stored->json != m.json || stored->author() != me || stored->type() != type)
        std::abort();
    const json::object answered = api::message_json(*stored);
    const json::value& ts = answered.at("timestamp");
    if (!ts.is_object() || ts.at("epoch") != json::value(1700000000123))
        std::abort();
}

void chat_route(const http::request& req, const http::router::match_result& m,
                std::string_view query, const chat::id& me) {
    static const chat::keys k("senna-sockets", "myplatform");
    std::optional<json::object> body;
    if (req.method() == verb::post) {
        body = read_body(req.body());
        if (!body)
            return; // 400
    }
    std::string_view target, id, message_id;
    for (const auto& [name, value] : m.params)
        (name == "target" ? target : name == "id" ? id : message_id) = value;
    const auto chat = resolve(k, me, target, id);
    if (!chat)
        return;
    const auto page = api::pagination(query);
    if (page.page < 1 || page.per_page < 1 || page.per_page > 100)
        std::abort();
    if (body && m.params.size() == 2)
        send(me, *body);
    (void)message_id;
}

void dispatch(const http::request& req) {
    static const http::cors_policy any({"*"});
    static const http::cors_policy listed({"https://app.example.com", "http://localhost:3000"});
    for (const auto* cors : {&any, &listed}) {
        http::response res{http::status::ok, req.version()};
        if (http::cors_policy::is_preflight(req))
            res = cors->preflight(req);
        cors->apply(req, res);
    }

    const std::string_view target = sv(req.target());
    const auto parts = http::split_target(target);
    std::string joined(parts.path);
    if (target.find('?') != std::string_view::npos)
        joined += '?' + std::string(parts.query);
    if (joined != target || http::percent_decode(target).size() > target.size())
        std::abort();
    (void)http::find_query(parts.query, "no_format");

    const auto m = routes().match(req.method(), parts.path);
    if (m.kind == http::router::outcome::not_found)
        return;
    if (m.matched == nullptr ||
        m.params.size() != static_cast<std::size_t>(std::count(m.matched->pattern.begin(),
                                                               m.matched->pattern.end(), ':')))
        std::abort();
    for (const auto& [name, value] : m.params)
        if (name.empty() || value.empty())
            std::abort();
    if (req.method() == verb::head &&
        (m.kind == http::router::outcome::found) !=
            (routes().match(verb::get, parts.path).kind == http::router::outcome::found))
        std::abort();
    if (m.kind != http::router::outcome::found)
        return; // 405

    const api::auth_settings settings{verifier(), "X-Auth-Token", 30};
    const auto who = api::authenticate(req, settings);
    if (who.rejection && who.rejection->result() != http::status::unauthorized)
        std::abort();
    if (m.matched->pattern.starts_with("/api/:target")) {
        chat::id me{"42", true};
        if (who.user) {
            const auto parsed = chat::id::parse(who.user->user_id);
            if (!parsed)
                std::abort();
            me = *parsed;
        }
        chat_route(req, m, parts.query, me);
    } else if (m.matched->pattern == "/api/list") {
        const auto page = api::pagination(parts.query);
        if (page.page < 1 || page.per_page < 1 || page.per_page > 100)
            std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    http::bhttp::request_parser<http::bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(header_limit));
    parser.body_limit(body_limit);
    parser.eager(true);

    boost::asio::const_buffer in(data, size);
    boost::system::error_code ec;
    while (in.size() > 0 && !parser.is_done()) {
        const std::size_t used = parser.put(in, ec);
        in += used;
        // After need_more, Beast's read reads more bytes before it calls put again; calling it
        // again with only the leftover trips an assertion in the chunk-header parser
        // (basic_parser.ipp, "n >= 5"; corpus/regression-chunk-need-more-refeed), which the
        // server cannot reach: the whole input is here, so stop as a closed connection would.
        if (ec == http::bhttp::error::need_more)
            break;
        if (ec)
            return 0; // answered 400/413/431 by the session
        ec = {};
    }
    if (!parser.is_done()) {
        if (!parser.got_some())
            return 0; // nothing sent: the session just closes
        parser.put_eof(ec);
        if (ec || !parser.is_done())
            return 0; // the client went away mid-request
    }
    const http::request req = parser.release();
    if (req.body().size() > body_limit)
        std::abort();
    dispatch(req);
    return 0;
}

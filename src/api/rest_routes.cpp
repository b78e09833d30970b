#include "api/rest_routes.hpp"

#include "api/chat_handlers.hpp"
#include "api/client_error.hpp"
#include "api/presence_routes.hpp"
#include "http/response.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <random>

namespace senna::api {

namespace json = boost::json;
using http::request_context;
using http::response;
using http::status;
using http::verb;

const std::vector<std::string>& greetings() {
    static const std::vector<std::string> list{
        "Hello, I am Baymax, your personal healthcare companion.",
        "I cannot deactivate until you say you are satisfied with your care.",
        "Tadashi is here.",
        "Flying makes me a better healthcare companion.",
        "\xF0\x9F\x91\x8A Balalala!",
    };
    return list;
}

namespace {

response greeting(const request_context& ctx) {
    thread_local std::minstd_rand rng{std::random_device{}()};
    const auto& g = greetings();
    return http::json_response(status::ok, json::value(g[rng() % g.size()]), ctx.req.version());
}

response welcome(request_context& ctx, const rest_services& s) {
    auto a = authenticate(ctx.req, s.auth);
    if (a.rejection)
        return std::move(*a.rejection);
    if (a.user)
        ctx.user = a.user->user_id;
    json::object o;
    o["authenticated"] = a.user.has_value();
    o["message"] = "Welcome to a realtime chat API";
    o["success"] = true;
    return http::json_response(status::ok, o, ctx.req.version());
}

net::awaitable<response> readiness(const request_context& ctx, const rest_services& s) {
    // Awaited into a variable: GCC 12 miscompiles a co_await in an if condition.
    const bool ready = co_await s.ready();
    if (ready)
        co_return http::json_response(status::ok, json::object{{"status", "ok"}},
                                      ctx.req.version());
    co_return rest_error(client_error::store_unavailable, ctx.req.version());
}

} // namespace

void add_routes(http::router& r, rest_services& s) {
    r.add(verb::get, "/",
          [](request_context& ctx) -> net::awaitable<response> { co_return greeting(ctx); });
    // Handlers capture `services` by pointer: it outlives the router (see rest_routes.hpp).
    const rest_services* sp = &s;
    r.add(verb::get, "/healthz", [sp](request_context& ctx) -> net::awaitable<response> {
        // The process is up: 200 whatever the store says. A full Redis (writes refused, reads
        // served) is said in `detail`, for the operator; /readyz stays 200 as reads work.
        json::object o{{"status", "ok"}};
        if (sp->store_full && sp->store_full())
            o["detail"] = "store full";
        co_return http::json_response(status::ok, o, ctx.req.version());
    });
    r.add(verb::get, "/readyz",
          [sp](request_context& ctx) -> net::awaitable<response> { return readiness(ctx, *sp); });
    r.add(verb::get, "/metrics", [sp](request_context& ctx) -> net::awaitable<response> {
        co_return http::text_response(status::ok, sp->metrics(),
                                      "text/plain; version=0.0.4; charset=utf-8",
                                      ctx.req.version());
    });
    r.add(verb::get, "/api",
          [sp](request_context& ctx) -> net::awaitable<response> { co_return welcome(ctx, *sp); });
    // SPEC §3. Patterns are tried in this order; the first that fits decides (405 otherwise).
    r.add(verb::get, "/api/list", [sp](request_context& ctx) { return handle_inbox(ctx, *sp); });
    r.add(verb::get, "/api/unread", [sp](request_context& ctx) { return handle_unread(ctx, *sp); });
    r.add(verb::get, "/api/presence",
          [sp](request_context& ctx) { return handle_presence(ctx, *sp); });
    r.add(verb::get, "/api/:target/:id",
          [sp](request_context& ctx) { return handle_history(ctx, *sp); });
    r.add(verb::post, "/api/:target/:id",
          [sp](request_context& ctx) { return handle_send(ctx, *sp); });
    // Before .../:message_id: no message id is "read" (they are uuids).
    r.add(verb::get, "/api/:target/:id/read",
          [sp](request_context& ctx) { return handle_reads(ctx, *sp); });
    r.add(verb::post, "/api/:target/:id/read",
          [sp](request_context& ctx) { return handle_read(ctx, *sp); });
    r.add(verb::post, "/api/:target/:id/:message_id",
          [sp](request_context& ctx) { return handle_update(ctx, *sp); });
    r.add(verb::delete_, "/api/:target/:id/:message_id",
          [sp](request_context& ctx) { return handle_remove(ctx, *sp); });
}

} // namespace senna::api

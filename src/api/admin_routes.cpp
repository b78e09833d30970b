#include "api/admin_routes.hpp"

#include "api/client_error.hpp"
#include "chat/id.hpp"
#include "chat/keys.hpp"
#include "http/response.hpp"
#include "realtime/moderation_state.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <boost/json/parse.hpp>

#include <chrono>

namespace senna::api {

namespace json = boost::json;
using http::request_context;
using http::response;
using http::status;
using kind = realtime::moderation_action::kind;

admin_auth admin_claim(std::string_view setting) {
    admin_auth a;
    auto eq = setting.find('=');
    if (eq == std::string_view::npos)
        return a;
    a.claim_path = std::string(util::trim(setting.substr(0, eq)));
    a.claim_value = std::string(util::trim(setting.substr(eq + 1)));
    return a;
}

bool has_claim(const json::object& claims, std::string_view path, std::string_view value) {
    const json::object* at = &claims;
    const json::value* v = nullptr;
    for (auto part : util::split(path, '.')) {
        if (!at)
            return false;
        v = at->if_contains(part);
        if (!v)
            return false;
        at = v->is_object() ? &v->get_object() : nullptr;
    }
    if (!v)
        return false;
    switch (v->kind()) {
    case json::kind::string:
        return v->get_string() == value;
    case json::kind::bool_:
        return value == (v->get_bool() ? "true" : "false");
    case json::kind::int64:
        return value == std::to_string(v->get_int64());
    case json::kind::uint64:
        return value == std::to_string(v->get_uint64());
    default:
        return false;
    }
}

namespace {

std::int64_t now_unix() {
    return realtime::unix_now();
}

// The operator's name for the log, or the response refusing the request.
std::variant<std::string, response> require_admin(request_context& ctx, const admin_services& s) {
    const unsigned v = ctx.req.version();
    const bool by_secret = s.auth.secret != nullptr;
    const bool by_claim = !s.auth.claim_path.empty() && s.users;
    if (!by_secret && !by_claim)
        return rest_error(client_error::admin_disabled, v);
    auto refused = [&](client_error e, std::string_view message = {}) {
        if (s.users)
            util::metrics::count(s.users->refusals,
                                 util::metrics::refusal::rest_admin_unauthorized);
        return rest_error(e, v, message);
    };
    auto token = find_token(ctx.req, s.users ? std::string_view(s.users->header) : "X-Auth-Token");
    if (token.empty())
        return refused(client_error::admin_unauthorized);
    if (by_secret) {
        auto r = s.auth.secret->verify(token, now_unix(), s.users ? s.users->leeway_seconds : 0);
        if (r && r->expires_at) {
            ctx.user = "admin:" + r->user_id;
            return ctx.user;
        }
    }
    if (by_claim) {
        auto r = verify_token(*s.users, token, now_unix());
        if (r) {
            if (has_claim(r->claims, s.auth.claim_path, s.auth.claim_value) &&
                moderation_of(*s.users, *r) == moderated::no) {
                ctx.user = r->user_id;
                return ctx.user;
            }
            return refused(client_error::admin_forbidden);
        }
    }
    return refused(client_error::admin_unauthorized, "The admin token is invalid or has no expiry");
}

std::variant<json::object, response> read_object(const request_context& ctx) {
    const std::string& b = ctx.req.body();
    if (util::trim(b).empty())
        return json::object{};
    net::error_code ec;
    json::value v = json::parse(b, ec);
    if (ec || !v.is_object())
        return rest_error(client_error::bad_request, ctx.req.version(),
                          "The request body must be a JSON object");
    return std::move(v.get_object());
}

// Epoch seconds from a JSON number >= 0; nullopt otherwise.
std::optional<std::int64_t> epoch(const json::value& v) {
    if (v.is_int64() && v.get_int64() >= 0)
        return v.get_int64();
    if (v.is_double() && v.get_double() >= 0 && v.get_double() < 9.2e18)
        return static_cast<std::int64_t>(v.get_double());
    return std::nullopt;
}

// The action a POST asks for, or its 400.
std::variant<realtime::moderation_action, response>
parse_action(const request_context& ctx, const chat::id& user, kind k, const json::object& body) {
    const unsigned v = ctx.req.version();
    realtime::moderation_action a;
    a.type = k;
    a.user = user.text;
    a.numeric = user.numeric;
    if (const auto* r = body.if_contains("reason"); r && (k == kind::kick || k == kind::ban)) {
        if (!r->is_string() || r->get_string().size() > realtime::max_reason_bytes ||
            !util::valid_utf8(r->get_string()))
            return rest_error(client_error::bad_request, v,
                              "reason must be a string of at most 500 bytes");
        a.reason = std::string(r->get_string());
    }
    if (k == kind::ban || k == kind::mute) {
        if (const auto* u = body.if_contains("until"); u && !u->is_null()) {
            auto t = epoch(*u);
            if (!t || *t <= now_unix())
                return rest_error(client_error::bad_request, v,
                                  "until must be a time in the future, in epoch seconds");
            a.until = *t;
        }
    }
    if (k == kind::revoke) {
        a.before = now_unix();
        if (const auto* b = body.if_contains("before"); b && !b->is_null()) {
            auto t = epoch(*b);
            if (!t)
                return rest_error(client_error::bad_request, v,
                                  "before must be a time in epoch seconds");
            a.before = *t;
        }
    }
    if (k == kind::mute || k == kind::unmute) {
        const auto* t = body.if_contains("topic");
        auto topic = t ? chat::id::from_json(*t) : std::nullopt;
        if (!topic)
            return rest_error(client_error::bad_request, v, "topic must be a topic id");
        a.topic = topic->text;
        a.topic_numeric = topic->numeric;
    }
    return a;
}

std::optional<chat::id> path_user(const request_context& ctx) {
    return chat::id::parse(ctx.param("id"));
}

response invalid_user(const request_context& ctx) {
    return rest_error(client_error::invalid_id, ctx.req.version(),
                      "Invalid id \"" + std::string(ctx.param("id")) + "\"");
}

json::value time_or_null(std::optional<std::int64_t> t) {
    return t && *t != 0 ? json::value(*t) : json::value(nullptr);
}

response state(request_context& ctx, const admin_services& s) {
    auto who = require_admin(ctx, s);
    if (auto* r = std::get_if<response>(&who))
        return std::move(*r);
    auto user = path_user(ctx);
    if (!user)
        return invalid_user(ctx);
    json::object o;
    o["user_id"] = user->to_json();
    const realtime::moderation_snapshot empty;
    const auto& st = s.users && s.users->moderation ? s.users->moderation->state() : empty;
    const auto now = now_unix();
    o["banned"] = st.banned(user->text, now);
    auto ban = st.bans.find(user->text);
    o["ban_until"] = ban != st.bans.end() && st.banned(user->text, now) ? time_or_null(ban->second)
                                                                        : json::value(nullptr);
    auto rev = st.revocations.find(user->text);
    o["revoked_before"] =
        rev != st.revocations.end() ? json::value(rev->second) : json::value(nullptr);
    json::array mutes;
    const std::string suffix = ":" + user->text;
    for (const auto& [field, until] : st.mutes) {
        if (!field.ends_with(suffix) || (until != 0 && until <= now))
            continue;
        const std::string topic = field.substr(0, field.size() - suffix.size());
        json::object m;
        auto t = chat::id::parse(topic);
        m["topic"] = t ? t->to_json() : json::value(topic);
        m["until"] = time_or_null(until);
        mutes.push_back(std::move(m));
    }
    o["mutes"] = std::move(mutes);
    return http::json_response(status::ok, o, ctx.req.version());
}

net::awaitable<response> act(request_context& ctx, const admin_services& s) {
    auto who = require_admin(ctx, s);
    if (auto* r = std::get_if<response>(&who))
        co_return std::move(*r);
    auto user = path_user(ctx);
    if (!user)
        co_return invalid_user(ctx);
    auto k = realtime::moderation_kind(ctx.param("action"));
    if (!k)
        co_return http::not_found_response(ctx.req.version());
    auto body = read_object(ctx);
    if (auto* r = std::get_if<response>(&body))
        co_return std::move(*r);
    auto parsed = parse_action(ctx, *user, *k, std::get<json::object>(body));
    if (auto* r = std::get_if<response>(&parsed))
        co_return std::move(*r);
    const auto& action = std::get<realtime::moderation_action>(parsed);
    if (!s.submit)
        co_return http::internal_error_response(ctx.req.version());
    const net::error_code ec = co_await s.submit(action);
    if (ec)
        co_return rest_error(client_error::store_unavailable, ctx.req.version());
    log::info("admin_action", {{"action", realtime::to_string(action.type)},
                               {"user", action.user},
                               {"by", std::get<std::string>(who)}});
    json::object out;
    out["ok"] = true;
    out["action"] = realtime::to_json(action);
    co_return http::json_response(status::ok, out, ctx.req.version());
}

} // namespace

void add_admin_routes(http::router& r, const admin_services& s) {
    const admin_services* sp = &s;
    r.add(http::verb::get, "/admin/users/:id",
          [sp](request_context& ctx) -> net::awaitable<response> { co_return state(ctx, *sp); });
    r.add(http::verb::post, "/admin/users/:id/:action",
          [sp](request_context& ctx) { return act(ctx, *sp); });
}

} // namespace senna::api

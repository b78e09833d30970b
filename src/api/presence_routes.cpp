#include "api/presence_routes.hpp"

#include "api/authenticate.hpp"
#include "http/query.hpp"
#include "http/response.hpp"
#include "realtime/presence.hpp"
#include "util/strings.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace senna::api {

namespace json = boost::json;
using http::status;

namespace {

api_error bad_ids(std::size_t limit) {
    return api_error_of(client_error::invalid_presence_ids,
                        "ids must list 1 to " + std::to_string(limit) + " user ids");
}

api_error bad_id(std::string_view raw) {
    return to_api_error({chat::error::invalid_id, std::string(raw)}, 0);
}

void add_once(std::vector<chat::id>& out, chat::id id) {
    if (std::find(out.begin(), out.end(), id) == out.end())
        out.push_back(std::move(id));
}

} // namespace

std::variant<std::vector<chat::id>, api_error> presence_ids(std::string_view list) {
    std::vector<chat::id> out;
    for (auto part : util::split(list, ',')) {
        const auto raw = util::trim(part);
        if (raw.empty())
            continue;
        auto id = chat::id::parse(raw);
        if (!id)
            return bad_id(raw);
        add_once(out, std::move(*id));
        if (out.size() > presence_ids_limit)
            return bad_ids(presence_ids_limit);
    }
    if (out.empty())
        return bad_ids(presence_ids_limit);
    return out;
}

std::variant<std::vector<chat::id>, api_error> presence_ids(const json::value* array,
                                                            std::size_t limit) {
    if (!array || !array->is_array())
        return api_error_of(client_error::invalid_presence_ids,
                            "ids must be a list of at most " + std::to_string(limit) + " user ids");
    std::vector<chat::id> out;
    for (const auto& v : array->get_array()) {
        auto id = chat::id::from_json(v);
        if (!id)
            return bad_id(v.is_string() ? std::string(v.get_string()) : json::serialize(v));
        add_once(out, std::move(*id));
        if (out.size() > limit)
            return api_error_of(client_error::too_many_watched,
                                "A socket may watch at most " + std::to_string(limit) + " users");
    }
    return out;
}

json::object presence_json(const realtime::shown_presence& p) {
    json::object o;
    o["user_id"] = p.user.to_json();
    o["status"] = p.online ? "online" : "offline";
    o["last_active"] = p.last_active.empty() ? json::value(nullptr) : json::value(p.last_active);
    return o;
}

net::awaitable<http::response> handle_presence(http::request_context& ctx, const rest_services& s) {
    const unsigned version = ctx.req.version();
    auto a = authenticate(ctx.req, s.auth);
    if (a.rejection)
        co_return std::move(*a.rejection);
    if (!a.user)
        co_return not_authenticated_response(version);
    ctx.user = a.user->user_id;
    auto ids = presence_ids(http::find_query(ctx.query, "ids").value);
    if (auto* e = std::get_if<api_error>(&ids))
        co_return error_response(*e, version);
    if (!s.presence)
        co_return rest_error(client_error::internal_error, version);
    auto shown = co_await s.presence->lookup(std::get<std::vector<chat::id>>(ids));
    if (!shown)
        co_return rest_error(client_error::store_unavailable, version);
    json::array list;
    for (const auto& p : *shown)
        list.push_back(presence_json(p));
    json::object out;
    out["presence"] = std::move(list);
    co_return http::json_response(status::ok, out, version);
}

} // namespace senna::api

#pragma once
// Presence you can ask for (docs/webhooks.md, "Presence"): GET /api/presence?ids=1,2,... and the
// socket event `watch-presence` {"ids": [...]} share the parsing of ids and the shape of a
// user's presence: {"user_id", "status": "online"|"offline", "last_active": ISO-8601|null}.

#include "api/error_map.hpp"
#include "api/rest_routes.hpp"
#include "chat/id.hpp"

#include <boost/json/object.hpp>

#include <variant>
#include <vector>

namespace senna::realtime {
struct shown_presence;
}

namespace senna::api {

/** Ids one GET /api/presence may ask for. */
inline constexpr std::size_t presence_ids_limit = 100;

/** Ids from "1,2,alice" (the query) or a JSON array of ids (the socket event), in order,
    without repeats; at most `limit` (and at least one for the query). */
std::variant<std::vector<chat::id>, api_error> presence_ids(std::string_view list);
std::variant<std::vector<chat::id>, api_error> presence_ids(const boost::json::value* array,
                                                            std::size_t limit);

boost::json::object presence_json(const realtime::shown_presence& p);

/** GET /api/presence?ids=...: {"presence": [...]} in the order asked. */
net::awaitable<http::response> handle_presence(http::request_context& ctx, const rest_services& s);

} // namespace senna::api

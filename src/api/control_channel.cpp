#include "api/control_channel.hpp"

#include "chat/id.hpp"
#include "realtime/hub.hpp"
#include "util/strings.hpp"

#include <boost/json/parse.hpp>

namespace senna::api {

namespace json = boost::json;

bool apply_control(const realtime::hub& h, std::string_view payload) {
    net::error_code ec;
    json::value v = json::parse(payload, ec);
    if (ec || !v.is_object())
        return false;
    const auto& o = v.get_object();
    const auto* type = o.if_contains("type");
    const auto* uid = o.if_contains("user_id");
    const auto* room = o.if_contains("room");
    if (!type || !type->is_string() || !uid || !room || !room->is_string())
        return false;
    auto user = chat::id::from_json(*uid);
    auto r = util::trim(std::string_view(room->get_string()));
    if (!user || r.empty())
        return false;
    if (type->get_string() == "join-room")
        h.move(user->text, std::string(r), true);
    else if (type->get_string() == "leave-room")
        h.move(user->text, std::string(r), false);
    else
        return false;
    return true;
}

} // namespace senna::api

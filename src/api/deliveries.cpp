#include "api/deliveries.hpp"

#include "chat/rooms.hpp"

namespace senna::api {

namespace json = boost::json;

namespace {

json::object chat_field(const char* type, const chat::id& id) {
    json::object c;
    c["type"] = type;
    c["id"] = id.to_json();
    return c;
}

// The room of the chat's other side as `viewer`'s peers see it: a DM reaches the other user,
// a topic its room; `chat` is the chat as they see it (a DM: with `viewer`).
realtime::delivery to_other_side(const chat::id& viewer, const chat::chat_ref& chat,
                                 json::object o) {
    if (chat.type == chat::target::user) {
        o["chat"] = chat_field("user", viewer);
        return {chat::user_room(chat.other), std::move(o), {}};
    }
    o["chat"] = chat_field("topic", chat.other);
    return {chat::topic_room(chat.other), std::move(o), {}};
}

} // namespace

json::object chat_json(const chat::chat_ref& chat) {
    return chat_field(chat.type == chat::target::user ? "user" : "topic", chat.other);
}

std::vector<realtime::delivery> to_participants(const chat::id& me, const chat::chat_ref& chat,
                                                json::object payload) {
    std::vector<realtime::delivery> out;
    out.reserve(2);
    if (chat.type != chat::target::user) {
        out.push_back(to_other_side(me, chat, std::move(payload)));
        return out;
    }
    out.push_back(to_other_side(me, chat, payload));
    payload["chat"] = chat_json(chat);
    out.push_back({chat::user_room(me), std::move(payload), {}});
    return out;
}

std::vector<realtime::delivery> to_others(const chat::id& me, const chat::chat_ref& chat,
                                          const json::object& payload) {
    std::vector<realtime::delivery> out;
    out.push_back(to_other_side(me, chat, payload));
    return out;
}

std::vector<realtime::delivery> to_user(const chat::id& user, const json::object& payload,
                                        std::string except) {
    std::vector<realtime::delivery> out;
    out.push_back({chat::user_room(user), payload, {}});
    if (!except.empty())
        out.back().except.push_back(std::move(except));
    return out;
}

std::vector<realtime::delivery> typing(const chat::id& me, const chat::chat_ref& chat) {
    json::object o;
    o["user_id"] = me.to_json();
    auto out = to_others(me, chat, o);
    if (chat.type == chat::target::topic)
        out.back().except.push_back(chat::user_room(me));
    return out;
}

json::object presence_payload(const realtime::presence_change& change) {
    json::object event;
    event["user_id"] = change.user.to_json();
    event["status"] = change.status;
    event["last_active"] = change.last_active;
    return event;
}

} // namespace senna::api

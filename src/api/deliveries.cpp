#include "api/deliveries.hpp"

#include "api/message_text.hpp"
#include "chat/rooms.hpp"
#include "util/strings.hpp"

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

// ,"chat":{"type":`type`,"id":`id`}} : chat_field's member, and the object closed.
std::string chat_tail(std::string_view type, const chat::id& id) {
    std::string out;
    out.reserve(32 + id.text.size());
    out += R"(,"chat":{"type":")";
    out += type;
    out += R"(","id":)";
    id.append_json(out);
    out += "}}";
    return out;
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

std::optional<std::string> message_payload_open(std::string_view stored, bool with_rev,
                                                std::vector<realtime::text_event::hole>* holes) {
    spliced_message splice;
    if (stored.empty() || !splice.read(stored) || splice.has("rev") || splice.has("chat"))
        return std::nullopt;
    const auto number = [](chat::slot s) {
        return static_cast<std::uint64_t>(realtime::hub::placeholder(s).as_int64());
    };
    std::string out;
    out.reserve(stored.size() + 96);
    std::size_t seq_at = 0;
    splice.append(out, number(chat::slot::seq), {}, &seq_at);
    out.pop_back(); // the closing brace
    if (holes)
        holes->push_back({seq_at, chat::slot::seq_text});
    if (with_rev) {
        out += R"(,"rev":)";
        if (holes)
            holes->push_back({out.size(), chat::slot::rev_text});
        util::append_integer(number(chat::slot::rev), out);
    }
    return out;
}

realtime::text_event to_participants(const chat::id& me, const chat::chat_ref& chat,
                                     std::string open,
                                     std::optional<std::vector<realtime::text_event::hole>> holes) {
    realtime::text_event out;
    out.open = std::move(open);
    out.holes = std::move(holes);
    if (chat.type != chat::target::user) {
        out.rooms.push_back({chat::topic_room(chat.other), chat_tail("topic", chat.other), {}});
        return out;
    }
    out.rooms.reserve(2);
    out.rooms.push_back({chat::user_room(chat.other), chat_tail("user", me), {}});
    out.rooms.push_back({chat::user_room(me), chat_tail("user", chat.other), {}});
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

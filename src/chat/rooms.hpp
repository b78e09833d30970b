#pragma once
// Every room name, in one place (SPEC §5): a user's sockets are in "user-<id>", a topic's
// subscribers in "topic-<id>". The same strings name a chat in an inbox (SPEC §4: the inbox's
// member for a DM with 2 is "user-2"), so keys.cpp builds inbox members from here too.

#include "chat/id.hpp"

#include <string>
#include <string_view>

namespace senna::chat {

inline constexpr std::string_view user_room_prefix = "user-";
inline constexpr std::string_view topic_room_prefix = "topic-";

/** "user-<id>": every socket of the user. */
inline std::string user_room(const id& user) {
    return std::string(user_room_prefix) + user.text;
}

/** "topic-<id>": the sockets that joined the topic. */
inline std::string topic_room(const id& topic) {
    return std::string(topic_room_prefix) + topic.text;
}

/** True for a topic's room. */
inline bool is_topic_room(std::string_view room) noexcept {
    return room.starts_with(topic_room_prefix);
}

} // namespace senna::chat

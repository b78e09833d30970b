#pragma once
// Every room name, in one place (SPEC §5): a user's sockets are in "user-<id>", a topic's
// subscribers in "topic-<id>", the sockets watching a user's presence (watch-presence, issue 16)
// in "presence-<id>". The same strings name a chat in an inbox (SPEC §4: the inbox's
// member for a DM with 2 is "user-2"), so keys.cpp builds inbox members from here too.

#include "chat/id.hpp"

#include <string>
#include <string_view>

namespace senna::chat {

inline constexpr std::string_view user_room_prefix = "user-";
inline constexpr std::string_view topic_room_prefix = "topic-";
inline constexpr std::string_view presence_room_prefix = "presence-";

/** "user-<id>": every socket of the user. */
inline std::string user_room(const id& user) {
    return std::string(user_room_prefix) + user.text;
}

/** "topic-<id>": the sockets that joined the topic. */
inline std::string topic_room(const id& topic) {
    return std::string(topic_room_prefix) + topic.text;
}

/** "presence-<id>": the sockets that watch the user's presence. */
inline std::string presence_room(const id& user) {
    return std::string(presence_room_prefix) + user.text;
}

/** True for a room of presence-watching sockets. */
inline bool is_presence_room(std::string_view room) noexcept {
    return room.starts_with(presence_room_prefix);
}

/** True for a topic's room. */
inline bool is_topic_room(std::string_view room) noexcept {
    return room.starts_with(topic_room_prefix);
}

} // namespace senna::chat

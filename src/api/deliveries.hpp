#pragma once
// Who receives a chat's realtime event, and what each receiver's copy says (SPEC §5): the
// shaping of events that realtime::hub then delivers without looking into them. A receiver's
// `chat` is the chat as that receiver sees it: in a DM, the other participant.

#include "chat/keys.hpp"
#include "realtime/hub.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace senna::api {

/** `chat` as the participant it was made for sees it: {"type": "user"|"topic", "id": the
    other user or the topic}. */
boost::json::object chat_json(const chat::chat_ref& chat);

/** `payload` plus `chat` to every participant: a DM's two users (each its own `chat`), a
    topic's room. By value: the last delivery takes it (one copy of the event less). */
std::vector<realtime::delivery> to_participants(const chat::id& me, const chat::chat_ref& chat,
                                                boost::json::object payload);

/** A chat write's event payload of the whole message (message_json) with seq's placeholder
    and, when `with_rev`, rev's (realtime::hub::placeholder), written from the message's stored
    text: its members from "{" on, not closed, for the next to_participants. The bytes the DOM
    path writes (message_json, then "seq" and "rev" set, then "chat"): the splice
    (message_text.hpp) writes message_json's, seq in its place; "rev" and "chat" are new members,
    appended. nullopt when the splice cannot vouch for the text, or it has a "rev" or a "chat"
    already (which the DOM path would set in place). With `holes`, where it wrote the
    placeholders (seq's, then rev's). */
std::optional<std::string>
message_payload_open(std::string_view stored, bool with_rev,
                     std::vector<realtime::text_event::hole>* holes = nullptr);

/** The same with the payload as text: `open` (message_payload_open's) shared by every
    receiver, and each receiver's `chat` in its tail; `holes`, where `open` holds placeholders
    when known (realtime::text_event). */
realtime::text_event
to_participants(const chat::id& me, const chat::chat_ref& chat, std::string open,
                std::optional<std::vector<realtime::text_event::hole>> holes = std::nullopt);

/** `payload` plus `chat` to the participants other than `me`: a DM's other user, a topic's
    whole room. */
std::vector<realtime::delivery> to_others(const chat::id& me, const chat::chat_ref& chat,
                                          const boost::json::object& payload);

/** `payload` to every socket of `user`, but those in the room `except` (none when empty). */
std::vector<realtime::delivery> to_user(const chat::id& user, const boost::json::object& payload,
                                        std::string except = {});

/** `typing` {user_id, chat}: a DM's other user, a topic's room but `me`'s own sockets. */
std::vector<realtime::delivery> typing(const chat::id& me, const chat::chat_ref& chat);

/** The `presence` event {user_id, status, last_active} of a transition (docs/api.md). */
boost::json::object presence_payload(const realtime::presence_change& change);

} // namespace senna::api

#pragma once
// The stored message, exactly as the seed wrote it (SPEC §4): a JSON object
// {"id", "author", "timestamp": ISO-8601, "type", "text"|"image", "status"?} in the chat's hash,
// plus senna's optional "edited" (ISO-8601). Unknown fields are kept as they are.

#include "chat/id.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace senna::chat {

struct message {
    boost::json::object json; // the stored object, unknown fields included
    std::uint64_t seq = 0;    // its place in the chat (kept beside it, not in it); 0: unknown

    std::string_view id() const;
    std::optional<chat::id> author() const;
    std::string_view type() const; // "" when absent or not a string
};

/** A stored message's text as Redis gave it, not parsed, with its place in the chat (0:
    unknown). parse_stored() makes it a message; the history page may splice it as it is. */
struct stored_text {
    std::string text;
    std::uint64_t seq = 0;
};

/** Parses a stored hash value; nullopt for anything that is not an object with an "id". With
    `sp`, the object lives in that memory resource (a page of history in one arena). */
std::optional<message> parse_stored(std::string_view raw, boost::json::storage_ptr sp = {});

/** A new message as the seed would store it: id, author, timestamp, type, then the content. In
    `sp` (a request's arena: a send's body and its message share one). */
message make_message(std::string_view id, const chat::id& author, std::int64_t epoch_ms,
                     std::string_view type, std::string_view content,
                     boost::json::storage_ptr sp = {});

/** Serialises for storage. */
std::string serialize(const message& m);

/** Number of Unicode code points of valid UTF-8 text. */
std::size_t code_points(std::string_view utf8);

} // namespace senna::chat

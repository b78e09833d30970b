#pragma once
// Every change of a chat, stored and delivered, by one path for REST and sockets alike: a send
// (POST /api/:target/:id, `send-message`), an edit or "seen" (POST .../:message_id), a delete,
// and a read cursor's move (POST .../read, `read`). The fan-out to other instances rides in the
// write itself (chat::service's with_write: they see each change exactly when, and only if, it
// is stored, in the order Redis stored it, before the caller answers); this instance's sockets
// get it once the write succeeded.
//
// Events (docs/api.md): new-message carries MESSAGE (with its `seq`) plus `chat`;
// update-message the same plus `rev`, the chat's change counter after the write (it counts
// edits and deletes); delete-message carries `id`, `seq`, `chat` and `rev`; read and unread
// follow a cursor's move.

#include "chat/service.hpp"
#include "net/types.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>

namespace senna::realtime {
class hub;
}
namespace senna::webhook {
struct stats;
}

namespace senna::api {

/** The webhook events a write appends for its offline recipients (chat/notice.hpp,
    docs/webhooks.md): a DM's other participant; a topic's members but the writer, when the topic
    has at most `max_recipients`. One per instance, read-only; null when webhooks are off. */
struct webhook_notices {
    std::string stream;                              // chat::keys::webhooks()
    chat::keys names{"senna-sockets", "myplatform"}; // the presence keys
    bool message_new = false;
    bool message_updated = false;
    bool message_deleted = false;
    std::size_t max_recipients = 1000;
    webhook::stats* stats = nullptr; // topics skipped (too many members)
};

/** A send's entry as its event's text already spliced it from the stored text, seq's
    placeholder at `seq_at` ("": none). */
struct entry_draft {
    std::string text;
    std::size_t seq_at = 0;
};

/** A change as the caller answers it. */
struct written {
    chat::message msg;      // with its seq
    std::string stored;     // msg's stored text ("": not known)
    bool duplicate = false; // a send whose client_msg_id was already stored
    // append_entry writes it with the seq instead of splicing `stored` again.
    entry_draft draft;
};

/** MESSAGE as SPEC §3 shows it, with `seq` (a socket's ack). */
boost::json::object entry_json(written&& w);

/** What serialising entry_json(w) writes, appended to `out`: spliced from the stored text
    (api/message_text.hpp) where it can be, without a DOM (a REST answer). */
void append_entry(std::string& out, const written& w);

/** Sends `body` from `me` into `chat`. `hub` may be null (no realtime) here and below, and
    `notices` (no webhooks). */
net::awaitable<chat::outcome<written>>
send_and_deliver(chat::service& chats, const realtime::hub* hub, const chat::id& me,
                 const chat::chat_ref& chat, const boost::json::object& body,
                 const webhook_notices* notices = nullptr);

/** Updates a message (content, or "seen"). */
net::awaitable<chat::outcome<written>>
update_and_deliver(chat::service& chats, const realtime::hub* hub, const chat::id& me,
                   const chat::chat_ref& chat, std::string message_id,
                   const boost::json::object& body, const webhook_notices* notices = nullptr);

/** Deletes a message. */
net::awaitable<chat::outcome<chat::change>>
remove_and_deliver(chat::service& chats, const realtime::hub* hub, const chat::id& me,
                   const chat::chat_ref& chat, std::string message_id,
                   const webhook_notices* notices = nullptr);

/** A read cursor after its move, and the reader's unread total. */
struct read_result {
    chat::read_state state;
    std::uint64_t total_unread = 0;
};

/** Moves `me`'s read cursor in `chat` up to `seq` (everything without). When it moved: `read`
    {chat, user_id, seq} to the other participants, and `unread` {chat, unread, total} to
    every socket of `me` but the room `except` (the socket that asked, when one did). */
net::awaitable<chat::outcome<read_result>>
read_and_deliver(chat::service& chats, const realtime::hub* hub, const chat::id& me,
                 const chat::chat_ref& chat, std::optional<std::uint64_t> seq,
                 std::string except = {});

/** `seq` of a read body: {"seq": N} or {} for all; a problem for anything else. */
chat::outcome<std::optional<std::uint64_t>> read_seq(const boost::json::object& body);

} // namespace senna::api

#pragma once
// The Lua scripts of the conversation log (docs/storage.md, "The conversation log"). Each write
// of a chat (send, edit, delete, a read cursor's move) is one script: the message, its sequence
// number, the chat's change counter, its place in the inboxes and the realtime publications are
// written together or not at all. Every key a script touches is passed in KEYS.
//
// A send, edit or delete whose publications leave out their PUBLISHes (chat/publication.hpp's
// listener_check) first asks Redis whether anyone else listens, and if so returns {2} having
// written nothing: the caller makes it again with them.

#include <string>

namespace senna::chat::scripts {

/** A new message (the change counter counts edits and deletes, not sends). Returns {0, seq, 0,
   log entry ids...} (one per publication, chat/publication.hpp; '' for one that logs nothing),
   or {1, seq, stored JSON} for a client_msg_id seen in the last 24 hours (nothing written). */
const std::string& send();
/** Compare-and-set of one message's JSON. Returns {0} when the stored JSON is not the expected
    one any more, else {1, seq, rev, log entry ids...}. */
const std::string& edit();
/** Removes one message. Returns {0} when it is not there, else {1, seq, rev, log entry
    ids...}. */
const std::string& remove();
/** Moves a reader's cursor forward only. Returns {cursor, unread, moved, last seq}. */
const std::string& read();
/** Numbers what the seed wrote (no-op when there is nothing to number). Returns 1 when it
    numbered or dropped anything. */
const std::string& adopt();
/** Only the publications of ARGV (chat/publication.hpp), for an event that stores nothing.
    Returns the log entries' ids. */
const std::string& fan_out();
/** Read-only (runs while Redis is full: no write command, so Redis does not refuse it): for
    each chat of KEYS (6 keys each), the latest message and its seq (ARGV[2] "1", an inbox page)
    or only the counts ("0"), the reader's cursor, unread count, and whether the chat holds
    messages not numbered yet. */
const std::string& view();
/** Read-only: the members of the set KEYS[1] when it has at most ARGV[1], else false (nil). */
const std::string& members();

} // namespace senna::chat::scripts

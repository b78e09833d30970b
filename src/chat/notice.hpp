#pragma once
// Events for the recipients of a chat write who have no live socket anywhere when it is stored
// (the webhooks' message.new / message.updated / message.deleted, docs/webhooks.md). The write
// itself appends them to a Redis Stream, in the same script (in the cluster layout, just after
// it: docs/adr/0012-cluster-key-layout.md), so that they exist only if the write happened. The
// chat module does not know who reads the stream; it only tells "offline" from the presence
// hashes it is given, read just before the write: a recipient is offline when no field of their
// hash names an instance whose heartbeat key (`instance_prefix` + field) exists.

#include <string>
#include <vector>

namespace senna::chat {

struct notice_recipient {
    std::string user;         // id text, as the stream entry's `user`
    std::string presence_key; // hash: instance id -> that user's sockets there
};

/** One stream entry per offline recipient: fields `event`, `user`, `data`, `seq` and (for
    edits and deletes) `rev`, the numbers only the write knows. */
struct offline_notice {
    std::string stream;          // the Redis Stream appended to
    std::string event;           // "message.new", "message.updated", "message.deleted"
    std::string data;            // JSON of the event as its recipient sees it (without seq, rev)
    std::string instance_prefix; // instance I's heartbeat key is instance_prefix + I
    std::vector<notice_recipient> recipients;
};

} // namespace senna::chat

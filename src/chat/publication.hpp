#pragma once
// What a chat write publishes for the realtime fan-out, inside the write itself, so that every
// instance sees every change of a chat exactly when, and only if, it is stored, in the order it
// was stored. The chat module does not look into the bytes: the edge that builds them
// (realtime) leaves holes for what only the write knows, and the write fills them.
//
// A publication is up to two steps, in this order: an entry appended to a log (a Redis stream:
// XADD, trimmed to entries newer than `log_min_id`), then a PUBLISH. The entry's id is known
// only once it is written; the PUBLISH may carry it (slot::offset), and the write returns it.

#include <string>
#include <vector>

namespace senna::chat {

/** What only the write itself knows, and how it is written into the bytes. */
enum class slot : char {
    seq = 's',      // the sequence number of the message written (or edited, or deleted), as a
                    // MessagePack unsigned integer in its shortest form (as notepack writes it)
    rev = 'r',      // the chat's change counter after an edit or a delete, likewise
    offset = 'o',   // the id of the log entry this publication wrote, as a MessagePack str
    seq_text = 'S', // the seq in decimal (inside JSON text)
    rev_text = 'R', // the rev in decimal
};

/** `pieces[0] V(slots[0]) pieces[1] ... V(slots[k-1]) pieces[k]`. */
struct holes {
    std::vector<std::string> pieces; // slots.size() + 1 of them
    std::vector<slot> slots;
};

struct publication {
    /** The log to append an entry to first; empty: none. */
    std::string log;
    /** Entries older than this id may be trimmed from the log (XADD MINID ~). */
    std::string log_min_id;
    /** The entry's fields: name, value, ..., and last the name of the field whose value is
        `entry`. */
    std::vector<std::string> fields;
    holes entry;
    /** Then PUBLISH `bytes` on `channel`; empty channel: none. */
    std::string channel;
    holes bytes;
};

/** Who else hears the adapter's channels, asked by the write itself before it writes anything
    (PUBSUB NUMSUB, scripts.cpp's `unheard`), when the publications were built without their
    PUBLISHes because this instance believed nobody else listened (realtime/hub.hpp,
    docs/adr/0014-unheard-publications.md). Empty `listeners`: no check. If anyone else is
    subscribed, the write changes nothing, answers {2}, and is made again with its PUBLISHes. */
struct listener_check {
    std::string listeners; // every senna instance's channel
    std::string self;      // the writer's own, subscribed in the same command
    std::string adapters;  // @socket.io/redis-adapter's request channel
};

/** What a write publishes: its publications, and the check when they leave out PUBLISHes. */
struct publishing {
    std::vector<publication> publications;
    listener_check check;
};

/** The script arguments that stand for `pubs` (scripts.cpp's Lua `publish`): the check's three
    channels ('' '' '' for none), a count, then for
    each the index of its log among the script's KEYS (1-based, 0: none), its min id, the field
    count and fields (or '' and "=": the previous publication's min id and fields), the entry's
    slots and pieces, the channel, its slots and pieces. The logs
    are appended to `keys` (each once: Redis Cluster needs every key a script touches among its
    KEYS), the rest to `args`; the strings are moved there. */
void append_args(publishing&& pubs, std::vector<std::string>& keys, std::vector<std::string>& args);

} // namespace senna::chat

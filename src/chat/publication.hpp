#pragma once
// What a chat write publishes for the realtime fan-out, inside the write itself, so that every
// instance sees every change of a chat exactly when, and only if, it is stored, in the order it
// was stored. The chat module does not look into the bytes: the edge that builds them
// (realtime) leaves holes for the numbers only the write knows, and the write fills them.

#include <string>
#include <vector>

namespace senna::chat {

/** A number that only the write itself knows. */
enum class slot : char {
    seq = 's', // the sequence number of the message written (or edited, or deleted)
    rev = 'r', // the chat's change counter after an edit or a delete
};

/** One PUBLISH: `pieces[0] N(slots[0]) pieces[1] ... N(slots[k-1]) pieces[k]`, where N writes
    the number as a MessagePack unsigned integer in its shortest form (as notepack does). */
struct publication {
    std::string channel;
    std::vector<std::string> pieces; // slots.size() + 1 of them
    std::vector<slot> slots;
};

} // namespace senna::chat

#pragma once
// MESSAGE written straight from a stored message's text, without parsing it into a DOM: when
// the stored text is canonical JSON (util/json_canonical.hpp), what serialising message_json
// (format.hpp) of it writes is the stored text with "timestamp" and "edited" as TS, "seq" set
// and the author's profile in place of "author". The history page splices its messages this
// way; a text this cannot vouch for takes the DOM path (parse_stored, message_json).

#include "chat/id.hpp"
#include "util/json_canonical.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace senna::api {

class spliced_message {
public:
    /** Reads a stored message's text: false when it must take the DOM path (not canonical,
        not an object with a non-empty string "id", or an escape in "timestamp", "edited" or
        "author" that would need decoding). The reader points into `stored`. */
    bool read(std::string_view stored);

    /** Whether the message has a member `key`. */
    bool has(std::string_view key) const { return !members_.find(key).empty(); }

    /** What parse_stored(stored)->author() gives. */
    const std::optional<chat::id>& author() const { return author_; }

    /** Appends serialize(o) for o = message_json(m) where m = parse_stored(stored) with `seq`,
        and, when the message has an author and `author` is not empty, o["author"] = the value
        `author` is the text of (empty: the stored author as it is, as the inbox shows it).
        With `seq_at`, where in `out` seq's digits start (seq not 0). */
    void append(std::string& out, std::uint64_t seq, std::string_view author,
                std::size_t* seq_at = nullptr) const;

private:
    std::string_view text_;
    util::canonical_object members_;
    std::optional<chat::id> author_;
};

} // namespace senna::api

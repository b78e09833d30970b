#pragma once
// The chat use cases of SPEC §3 over the Redis layout of SPEC §4: inbox, history, send, update,
// remove, for direct messages and topics. Knows nothing of HTTP or Socket.IO: both edges call
// it with the caller's id and the request's JSON object, and map a `problem` to their answer.
//
// One service per shard, on that shard's thread, over that shard's Redis connection.
// Writes are one atomic Redis operation each: a Lua script (chat/scripts.hpp) that numbers the
// message, counts the change and publishes the realtime events with the write. Reads are plain
// pipelines (or a read-only script), so they work while Redis refuses writes.

#include "chat/error.hpp"
#include "chat/keys.hpp"
#include "chat/message.hpp"
#include "chat/notice.hpp"
#include "chat/publication.hpp"
#include "net/types.hpp"

#include <boost/json/object.hpp>

#include <functional>
#include <optional>
#include <variant>
#include <vector>

namespace senna::redis {
class connection;
class script;
} // namespace senna::redis

namespace senna::chat {

/** A value or the problem that prevented it. */
template <class T> class outcome {
public:
    outcome(T v) : v_(std::move(v)) {}
    outcome(problem p) : v_(std::move(p)) {}
    outcome(error e, std::string detail = {}) : v_(problem{e, std::move(detail)}) {}
    explicit operator bool() const { return v_.index() == 0; }
    T& operator*() { return std::get<0>(v_); }
    T* operator->() { return &std::get<0>(v_); }
    const problem& failure() const { return std::get<1>(v_); }

private:
    std::variant<T, problem> v_;
};

struct done {};

struct limits {
    std::size_t max_text_length = 10000; // code points (SOCK_MAX_TEXT_LENGTH)
    std::size_t max_image_length = 2048; // bytes of an image reference (SPEC §3)
};

struct page_request {
    std::uint64_t page = 1;
    std::uint64_t per_page = 10; // 1..100
};

struct page_state {
    std::uint64_t page = 1, per_page = 10, total = 0, total_pages = 1;
};

struct history_page {
    page_state state;
    std::vector<message> messages;  // oldest to newest
    std::vector<stored_text> texts; // instead of `messages` when asked for as text
};

/** A page of history by sequence number: stable while messages arrive and go. */
struct cursor_request {
    enum class direction { before, after, around };
    direction dir = direction::before;
    std::uint64_t at = 0; // before: older than; after: newer than; around: centred on
    std::uint64_t limit = 10;
    /** The value `before` takes for "from the newest". */
    static constexpr std::uint64_t newest = (1ull << 53);
};

struct cursor_state {
    std::uint64_t limit = 10;
    std::uint64_t total = 0;           // messages in the chat
    bool has_more = false;             // more in the direction asked (either side for around)
    std::optional<std::uint64_t> prev; // `before` this for the older page; none when none
    std::optional<std::uint64_t> next; // `after` this for the newer page; none when none
};

struct cursor_page {
    cursor_state state;
    std::vector<message> messages;  // oldest to newest
    std::vector<stored_text> texts; // instead of `messages` when asked for as text
};

struct inbox_entry {
    target type = target::user;
    id chat_id;
    std::int64_t score = 0;        // last activity, epoch ms
    std::optional<message> latest; // only when asked for
    /** Instead of `latest` when asked for as text: its stored text unparsed, with its seq. */
    std::optional<stored_text> latest_text;
    std::uint64_t read_seq = 0; // the caller's read cursor (with the latest)
    std::uint64_t unread = 0;   // messages by others after it (with the latest)
};

struct inbox_page {
    page_state state;
    std::vector<inbox_entry> entries; // most recent first
};

/** A write as it was stored. */
struct change {
    message msg;            // with its seq
    std::string stored;     // msg's stored JSON text, as written (send, update; else empty)
    std::uint64_t rev = 0;  // the chat's change counter after it (0 for a duplicate send)
    bool duplicate = false; // a send whose client_msg_id was seen: nothing written
    /** The ids of the log entries its publications made, one per publication in order ("" for
        one that logs nothing); none for a duplicate. */
    std::vector<std::string> offsets;
};

/** A reader's cursor in one chat, after a read. */
struct read_state {
    std::uint64_t read_seq = 0;
    std::uint64_t unread = 0;
    std::uint64_t last_seq = 0;
    bool moved = false; // the cursor went forward
};

struct unread_entry {
    target type = target::user;
    id chat_id;
    std::uint64_t unread = 0;
    std::uint64_t read_seq = 0;
};

struct unread_summary {
    std::uint64_t total = 0;
    std::vector<unread_entry> chats; // those with unread messages, most recent first
};

/** Chats of an inbox that the unread totals cover, most recent first (docs/limits.md). */
inline constexpr std::size_t unread_chats_limit = 1000;
/** Readers of one chat GET .../read lists; a chat with more lists none (docs/api.md). */
inline constexpr std::size_t reads_listed_limit = 500;
/** How long a send's client_msg_id is remembered. */
inline constexpr int client_msg_id_ttl_seconds = 24 * 60 * 60;

class service {
public:
    service(redis::connection& redis, keys k, limits l);
    ~service();

    const keys& key_space() const { return keys_; }

    /** `{target}/{id}` as seen by `me`: invalid_target, invalid_id, self_message. Pure. */
    outcome<chat_ref> resolve(const id& me, std::string_view target, std::string_view raw_id) const;

    /** What to publish in the same atomic write as a change, given the message as it will be
        stored (seq not known yet: the publications leave holes for it, publication.hpp) and
        its `stored` text, exactly as written (a send, an edit; empty for a delete).
        Other instances then see the event exactly when, and only if, the write happens.
        `heard`: the same write, made without PUBLISHes, was refused because someone else
        listens (publication.hpp's listener_check); they are wanted now. */
    using with_write =
        std::function<publishing(const message&, std::string_view stored, bool heard)>;
    /** The webhook events the same write appends for its offline recipients (notice.hpp),
        given the message as it will be stored; nullopt: none. */
    using with_notice = std::function<std::optional<offline_notice>(const message&)>;

    /** A new message from `me`. A `client_msg_id` in the body seen from `me` in this chat in
        the last 24 hours returns the message it stored then, marked duplicate, and writes
        nothing. */
    net::awaitable<outcome<change>> send(const id& me, const chat_ref& chat,
                                         const boost::json::object& body,
                                         const with_write& also = {},
                                         const with_notice& notice = {});
    net::awaitable<outcome<change>> update(const id& me, const chat_ref& chat,
                                           std::string message_id, const boost::json::object& body,
                                           const with_write& also = {},
                                           const with_notice& notice = {});
    /** The change's message is the one deleted. */
    net::awaitable<outcome<change>> remove(const id& me, const chat_ref& chat,
                                           std::string message_id, const with_write& also = {},
                                           const with_notice& notice = {});

    /** The members of topic `topic` (docs/webhooks.md: whom its message events are for), at
        most `limit` of them: nullopt when it has more. */
    net::awaitable<outcome<std::optional<std::vector<id>>>> members(const id& topic,
                                                                    std::size_t limit);
    /** `user` joins (or leaves) topic `topic`'s members. */
    net::awaitable<outcome<done>> set_member(const id& topic, const id& user, bool member);
    /** `me` has read `chat` up to `seq` (all of it without): the cursor only moves forward,
        and never past the chat's last seq. */
    net::awaitable<outcome<read_state>> read(const id& me, const chat_ref& chat,
                                             std::optional<std::uint64_t> seq);
    /** Every reader's cursor in `chat` (user id text, seq), at most `limit` of them. */
    net::awaitable<outcome<std::vector<std::pair<std::string, std::uint64_t>>>>
    reads(const chat_ref& chat, std::size_t limit);
    /** Unread counts of the caller's chats (the most recent unread_chats_limit). */
    net::awaitable<outcome<unread_summary>> unread(const id& me);

    /** With `sp`, the messages live in that memory resource (the caller's arena). With
        `as_text`, the page's `texts` are the stored messages unparsed (every string Redis
        gave, valid or not: the caller parses what it does not splice) and `messages` is empty. */
    net::awaitable<outcome<history_page>> history(const chat_ref& chat, page_request page,
                                                  boost::json::storage_ptr sp = {},
                                                  bool as_text = false);
    net::awaitable<outcome<cursor_page>> history(const chat_ref& chat, cursor_request page,
                                                 boost::json::storage_ptr sp = {},
                                                 bool as_text = false);
    /** With `with_latest`, each entry's latest message, read cursor and unread count too; with
        `as_text` as well, `latest_text` instead of `latest` (as history's `as_text`). */
    net::awaitable<outcome<inbox_page>> inbox(const id& me, page_request page, bool with_latest,
                                              boost::json::storage_ptr sp = {},
                                              bool as_text = false);

private:
    struct script_set;
    /** Numbers the seed's messages of `chat` (scripts::adopt); with `force`, checks every id
        even when the list and the log hold as many. */
    net::awaitable<std::optional<problem>> adopt(const chat_ref& chat, bool force = false);
    /** Fills the entries' read cursors and unread counts (and latest messages) with two
        pipelines of reads, numbering seed data first where it finds some. */
    net::awaitable<std::optional<problem>> view(const id& me, std::vector<inbox_entry>& entries,
                                                bool with_latest, boost::json::storage_ptr sp,
                                                bool as_text = false);
    /** The cluster layout (docs/adr/0012-cluster-key-layout.md): a send's writes in the users'
        slots after the chat's script (the sender's activity, both inboxes), at time `at`. */
    net::awaitable<std::optional<problem>> users_after_send(const id& me, const chat_ref& chat,
                                                            std::int64_t at);
    /** The chat each inbox member names, as `me` sees it; nullopt for a self-DM. */
    std::optional<chat_ref> chat_of(const id& me, target t, const id& chat_id) const;

    redis::connection& redis_;
    keys keys_;
    limits limits_;
    std::unique_ptr<script_set> scripts_;
};

} // namespace senna::chat

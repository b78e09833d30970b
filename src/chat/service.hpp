#pragma once
// The chat use cases of SPEC §3 over the Redis layout of SPEC §4: inbox, history, send, update,
// remove, for direct messages and topics. Knows nothing of HTTP or Socket.IO: both edges call
// it with the caller's id and the request's JSON object, and map a `problem` to their answer.
//
// One service per shard, on that shard's thread, over that shard's Redis connection.
// Writes are one atomic Redis operation each (MULTI/EXEC; see service.cpp for why not Lua).

#include "chat/error.hpp"
#include "chat/keys.hpp"
#include "chat/message.hpp"
#include "net/types.hpp"
#include "redis/request.hpp"

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
    std::vector<message> messages; // oldest to newest
};

struct inbox_entry {
    target type = target::user;
    id chat_id;
    std::int64_t score = 0;        // last activity, epoch ms
    std::optional<message> latest; // only when asked for
};

struct inbox_page {
    page_state state;
    std::vector<inbox_entry> entries; // most recent first
};

class service {
public:
    service(redis::connection& redis, keys k, limits l);
    ~service();

    const keys& key_space() const { return keys_; }

    /** `{target}/{id}` as seen by `me`: invalid_target, invalid_id, self_message. Pure. */
    outcome<chat_ref> resolve(const id& me, std::string_view target, std::string_view raw_id) const;

    /** Commands to run in the same MULTI as a write, given the message written (the realtime
        fan-out's PUBLISH: other instances then see the event exactly when, and only if, the
        write happens). The chat module does not look at them. */
    using with_write = std::function<void(const message&, redis::request&)>;

    net::awaitable<outcome<message>> send(const id& me, const chat_ref& chat,
                                          const boost::json::object& body,
                                          const with_write& also = {});
    net::awaitable<outcome<message>> update(const id& me, const chat_ref& chat,
                                            std::string message_id,
                                            const boost::json::object& body);
    net::awaitable<outcome<done>> remove(const id& me, const chat_ref& chat,
                                         std::string message_id);
    /** With `sp`, the messages live in that memory resource (the caller's arena). */
    net::awaitable<outcome<history_page>> history(const chat_ref& chat, page_request page,
                                                  boost::json::storage_ptr sp = {});
    net::awaitable<outcome<inbox_page>> inbox(const id& me, page_request page, bool with_latest,
                                              boost::json::storage_ptr sp = {});

private:
    redis::connection& redis_;
    keys keys_;
    limits limits_;
    std::unique_ptr<redis::script> cas_;
    std::unique_ptr<redis::script> latest_;
};

} // namespace senna::chat

#pragma once
// A webhook event as the stream holds it and as the receiver gets it (docs/webhooks.md). Pure:
// no I/O. The writers of the stream are the chat write scripts (chat/notice.hpp: message.new,
// message.updated, message.deleted) and the presence scripts (realtime/presence.hpp:
// user.online, user.offline); the dispatcher (dispatcher.hpp) reads it.
//
// Stream entry fields: `event`, `user` (the id text of the user it is for), `data` (JSON), and
// for message events `seq` and, for edits and deletes, `rev`.
// Body, built the same at every attempt from the entry alone:
//   {"id": entry id, "event", "created_at": ISO-8601 of the entry id, "user_id", "data"}
// where a message event's data gets its `seq` (and `rev`) as numbers.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace senna::auth {
class signing_key;
}

namespace senna::webhook {

struct stored_event {
    std::string id; // the stream entry id, "1732751234567-0": the delivery id
    std::string event;
    std::string user;
    std::string data;
    std::optional<std::string> seq;
    std::optional<std::string> rev;
};

/** From a stream entry's id and its flat field list (f1, v1, f2, v2, ...); nullopt when the
    fields lack `event`, `user` or `data`. */
std::optional<stored_event> from_fields(std::string id,
                                        const std::vector<std::string_view>& fields);

/** The JSON body posted for `e`. */
std::string body(const stored_event& e);

/** Signs bodies with SOCK_WEBHOOK_SECRET. Const and thread-safe. */
class signer {
public:
    /** Throws std::invalid_argument for an empty secret. */
    explicit signer(std::string_view secret);
    /** The X-Senna-Signature value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
    std::string operator()(std::int64_t unix_seconds, std::string_view body) const;

private:
    std::shared_ptr<const auth::signing_key> key_;
};

/** The wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed: `base`
    doubled each attempt, at most `max`. */
std::chrono::milliseconds retry_delay(std::size_t attempt, std::chrono::milliseconds base,
                                      std::chrono::milliseconds max);

} // namespace senna::webhook

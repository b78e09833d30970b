#pragma once
// Moderation's state and messages, sans I/O (issue 17; moderation.hpp moves them between Redis,
// the control channel and the shards): the actions (kick, ban, unban, revoke, mute, unmute) as
// the control channel carries them, and a snapshot of bans, revocations and mutes with the
// checks the edges make (api::authenticate, the sends).

#include "chat/keys.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace senna::realtime {

struct moderation_action {
    enum class kind { kick, ban, unban, revoke, mute, unmute };
    kind type = kind::kick;
    std::string user;     // canonical id text
    bool numeric = false; // the id is a number (JSON number on the channel)
    std::string topic;    // mute, unmute: canonical topic id text
    bool topic_numeric = false;
    std::string reason;      // kick, ban: shown to the user's sockets (at most max_reason_bytes)
    std::int64_t until = 0;  // ban, mute: epoch seconds; 0: until lifted
    std::int64_t before = 0; // revoke: tokens whose iat is earlier are refused
};

/** Longest reason kept (bytes, cut at a character boundary). */
inline constexpr std::size_t max_reason_bytes = 500;

/** "kick", "ban", ... */
std::string_view to_string(moderation_action::kind k);
/** A control-channel message's type, if it is a moderation one. */
std::optional<moderation_action::kind> moderation_kind(std::string_view type);

/** The action of a control-channel message whose `type` is a moderation one; an error text
    when a field is missing or malformed (user_id, topic, until, before). */
struct parsed_action {
    std::optional<moderation_action> action;
    std::string error;
};
parsed_action parse_moderation(const boost::json::object& message);
/** The control-channel JSON of `a` (what parse_moderation reads back). */
boost::json::object to_json(const moderation_action& a);

/** The state at one moment: immutable once shared. */
struct moderation_snapshot {
    std::unordered_map<std::string, std::int64_t> bans;        // user -> until (0: until lifted)
    std::unordered_map<std::string, std::int64_t> revocations; // user -> before
    std::unordered_map<std::string, std::int64_t> mutes;       // "T:U" -> until (0: until lifted)

    /** Banned now (`now` epoch seconds)? */
    bool banned(const std::string& user, std::int64_t now) const;
    /** A token of `user` issued at `iat` refused? Without iat, any revocation refuses it. */
    bool revoked(const std::string& user, std::optional<std::int64_t> iat) const;
    /** The user's revocation time, if any. */
    std::optional<std::int64_t> revocation(const std::string& user) const;
    bool muted(std::string_view topic, std::string_view user, std::int64_t now) const;
    /** Applies a stored action (ban, unban, revoke, mute, unmute; kick changes nothing). */
    void apply(const moderation_action& a);
};

/** One shard's copy; use on that shard's thread only. */
class moderation_view {
public:
    moderation_view();
    const moderation_snapshot& state() const noexcept { return *snapshot_; }
    void set(std::shared_ptr<const moderation_snapshot> s) { snapshot_ = std::move(s); }

private:
    std::shared_ptr<const moderation_snapshot> snapshot_;
};

/** Seconds since the epoch, as the checks compare them. */
std::int64_t unix_now();

/** A ban or mute with this `until` is in force at `now` (0: until lifted). */
inline bool in_force(std::int64_t until, std::int64_t now) noexcept {
    return until == 0 || until > now;
}

} // namespace senna::realtime

#pragma once
// Every Redis key of SPEC §4, in one place. For prefix P and domain D:
//   P:messages:D:dm:A-B (list of message ids, oldest first), P:messages:D:dm:A-B:data (hash),
//   P:messages:D:topic:T and :data, P:messages:D:inbox:U (sorted set), P:messages:D:activity:U.
// `state.key` in responses is the part after P:messages: ("myplatform:dm:1-2"), as in the seed.
// senna's own additions (docs/storage.md): P:messages:D:profile:U (a string: the profile from
// U's last token, for deployments without SOCK_API_URL), and beside each chat's list L the
// conversation log's keys: L:seq (last sequence number), L:rev (change counter), L:seqs (sorted
// set: message id by seq), L:authors (sorted set: "<author>:<seq, 16 digits>", for counting a
// user's own messages), L:read (hash: user id -> read cursor), L:cmid:<author>:<client_msg_id>
// (a send's idempotency record, 24 hours), L:members (a topic's members, docs/webhooks.md); and
// the webhook events' streams P:messages:D:webhooks and P:messages:D:webhooks:dead.
// And moderation's (issue 17): P:messages:D:moderation:bans / :revocations / :mutes
// (hashes) and :version (a counter). Presence across instances (realtime/presence.hpp):
// P:messages:D:presence:U, P:messages:D:instance:I (and :users), P:messages:D:instances,
// P:messages:D:status:U, P:messages:D:presence-grace.
// That is the seed layout (SOCK_REDIS_LAYOUT=seed, the default), byte for byte. The cluster
// layout (docs/adr/0012-cluster-key-layout.md) names the same keys with one hash tag per owner,
// so that what one script writes shares a Redis Cluster slot: a chat's keys
// P:messages:{D:dm:A-B}[:suffix], a user's P:messages:{D:user:U}:inbox (:activity, :profile,
// :presence, :status), the instance registry's P:messages:{D:instances} (:instance:I[:users|
// :sessions], :grace), moderation's P:messages:{D:moderation}:bans..., the webhook streams
// P:messages:{D:webhooks} and :dead.
// No other module builds a key name, and Lua scripts are given theirs as KEYS.

#include "chat/id.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace senna::chat {

enum class target { user, topic };

/** SOCK_REDIS_LAYOUT: SPEC §4's names, or the same keys with hash tags for Redis Cluster. */
enum class layout { seed, cluster };

/** A chat as one participant sees it, with all its keys. */
struct chat_ref {
    target type = target::user;
    id other;                 // the other user for a DM, the topic for a topic
    std::string state_key;    // "myplatform:dm:1-2"
    std::string list_key;     // "senna-sockets:messages:myplatform:dm:1-2"
    std::string data_key;     // list_key + ":data"
    std::string inbox_member; // "user-2" / "topic-7": this chat in the caller's inbox
    id viewer;                // the participant this reference is for

    // The conversation log beside the list (docs/storage.md).
    std::string seq_key() const { return list_key + ":seq"; }
    std::string rev_key() const { return list_key + ":rev"; }
    std::string seqs_key() const { return list_key + ":seqs"; }
    std::string authors_key() const { return list_key + ":authors"; }
    std::string read_key() const { return list_key + ":read"; }
    /** A topic's members (set of user ids): whom its message webhooks are for. */
    std::string members_key() const { return list_key + ":members"; }
    std::string client_msg_key(const id& author, std::string_view client_msg_id) const {
        return list_key + ":cmid:" + author.text + ":" + std::string(client_msg_id);
    }
    /** Both participants of a DM, in key order; empty texts for a topic. */
    std::pair<std::string_view, std::string_view> dm_pair() const;
};

class keys {
public:
    keys(std::string prefix, std::string domain, layout l = layout::seed);

    layout key_layout() const noexcept { return layout_; }
    bool cluster() const noexcept { return layout_ == layout::cluster; }

    /** The DM between `me` and `other` (the caller must have checked me != other). */
    chat_ref dm(const id& me, const id& other) const;
    chat_ref topic(const id& t) const;
    /** Only the list key of the chat `chat_id` of `me`'s inbox (of dm() or topic()). */
    std::string list(target t, const id& me, const id& chat_id) const;

    std::string inbox(const id& user) const;
    std::string inbox_state_key(const id& user) const; // "myplatform:inbox:42"
    std::string activity(const id& user) const;
    std::string profile(const id& user) const;

    /** Presence (realtime/presence.hpp): U's hash instance -> sockets, and the status shown. */
    std::string presence(const id& user) const;
    std::string status(const id& user) const;
    /** The instance registry: instance I's heartbeat key is instance_prefix() + I, its users'
        set and its recovery sessions' hash are that plus ":users" / ":sessions". */
    std::string instance_prefix() const;
    std::string instance(std::string_view instance_id) const;
    std::string instance_users(std::string_view instance_id) const;
    std::string instance_sessions(std::string_view instance_id) const;
    std::string instances() const;
    std::string presence_grace() const;
    /** The presence transitions' pub/sub channel (not a key: the same in both layouts). */
    std::string presence_channel() const;

    /** Moderation (docs/storage.md): bans (user -> until, epoch seconds, 0: until lifted),
        revocations (user -> tokens issued before this are refused), mutes (mute_field ->
        until), and the counter bumped by every change, which instances poll. */
    std::string moderation_bans() const;
    std::string moderation_revocations() const;
    std::string moderation_mutes() const;
    std::string moderation_version() const;
    /** The field of `user`'s mute in `topic`: "T:U" (ids never hold ':'). */
    static std::string mute_field(std::string_view topic, std::string_view user);

    /** `senna migrate` (app/migrate_command.hpp): the name in layout `to` of the key `key`
        named in this layout, for the keys a migration copies (chats, users' inbox, activity,
        profile and status, moderation, webhooks); nullopt for any other (presence counts and
        the instance registry, rebuilt by the running instances; keys not senna's). */
    std::optional<std::string> rename(std::string_view key, const keys& to) const;
    /** The SCAN pattern of this deployment's keys in the seed layout ("P:messages:D:*"). */
    std::string prefix_pattern() const;
    /** Where a migration into this layout keeps its progress (a hash). */
    std::string migration() const;

    /** The webhook events waiting for delivery (a Redis Stream), and those given up on. */
    std::string webhooks() const;
    std::string webhooks_dead() const;
    const std::string& domain() const { return domain_; }

private:
    chat_ref make(target t, const id& viewer, const id& other, std::string state_key) const;
    /** A chat's list key from its state key ("D:dm:1-2"). */
    std::string list_of(const std::string& state_key) const;
    /** A user's key of `kind` ("inbox", "activity"...). */
    std::string user_key(std::string_view kind, const id& user) const;
    /** A key of one of the shared owners ("instances", "moderation", "webhooks"): in the seed
        layout "P:messages:D:" + seed_name, in the cluster layout
        "P:messages:{D:" + owner + "}" + cluster_rest. */
    std::string owned(std::string_view seed_name, std::string_view owner,
                      std::string_view cluster_rest) const;
    std::string base_; // "P:messages:"
    std::string domain_;
    layout layout_;
};

} // namespace senna::chat

#pragma once
// The instance-wide side of realtime (issue 5, SPEC §5):
//  - delivery: an event to rooms, each with its own payload (shaped by the API edge, which knows
//    SPEC's fields and the room names: api/deliveries.hpp), on every shard of this instance
//    through socketio::cluster;
//  - the control channel (`messages:events`: join-room / leave-room), applied to each shard's
//    local_users (local_users.hpp);
//  - the presence heartbeat (heartbeat.hpp) on shard 0, and presence transitions (presence.hpp's
//    channel) to the sockets watching the user (`presence` to room presence-<id>);
//  - topic membership (chat::service::members): the control channel's join-room / leave-room
//    of a `topic-<T>` room adds the user to T's members or removes them;
//  - several instances: every emit is also published in @socket.io/redis-adapter's format
//    (adapter_codec.hpp) on "<SOCK_REDIS_PREFIX>#/#<room>#", and broadcasts that other
//    instances or @socket.io/redis-emitter publish there reach this instance's sockets (our
//    own publications, recognised by their uid, are skipped). One publisher connection and
//    one subscriber per instance, both on shard 0. In the sharded mode (ADR 0015) the same
//    channels carry createShardedAdapter's JSON ClusterMessages by SPUBLISH, and a
//    sharded_subscriber on shard 0 SSUBSCRIBEs main, the response channel, and each room's
//    channel while the room has members on some shard (socketio::server::on_room).
//
// Threading: `hub` is built by app::server before the shards, attached to them once they exist,
// then started; deliver / deliver_local / move may be called from any thread (they only post).
// `local_users` and `presence` belong to one shard each. start() and stop() are coroutines
// that run their part on shard 0 and complete on the caller's executor: nothing blocks a
// thread on another.
//
// Order: the events of one chat are posted to each shard in the order the writes completed on
// the writing shard; a shard's queue is FIFO, so one writer's events reach a socket in order.
// Across instances the same holds: publications go out on one connection in post order, and
// Redis hands them to every subscriber in that order.

#include "chat/id.hpp"
#include "chat/keys.hpp"
#include "chat/publication.hpp"
#include "net/types.hpp"
#include "redis/endpoint.hpp"
#include "redis/options.hpp"
#include "redis/request.hpp"
#include "socketio/server.hpp"
#include "util/metrics.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace senna::redis {
class connection;
class script;
class sharded_subscriber;
class subscriber;
} // namespace senna::redis

namespace senna::realtime {

class heartbeat;
class local_users;
class presence;
struct stream_entry;
struct cluster_message;
class moderation;

/** One event's payload for one room; the sockets also in a room of `except` skip it. */
struct delivery {
    std::string room;
    boost::json::object payload;
    std::vector<std::string> except;
};

/** One event's payloads as JSON text, for several rooms: a room's payload is `open` (an object's
    members from "{" on, not closed, the same for every room) and then the room's `tail` (more
    members, each starting with ",", and the closing "}"). What a chat write's event is when it
    is written from the message's stored text (api/deliveries.hpp). */
struct text_event {
    struct room {
        std::string name;
        std::string tail;
        std::vector<std::string> except;
    };
    /** Where `open` holds a placeholder's digits (hub::placeholder), as chat::slot::seq_text or
        rev_text. */
    struct hole {
        std::size_t at;
        chat::slot slot;
    };
    std::string open;
    std::vector<room> rooms;
    /** The placeholders in `open`, in order, when its writer knows where it wrote them;
        nullopt: prepare_text finds them. */
    std::optional<std::vector<hole>> holes;
};

/** A user's presence transition, as presence.hpp's channel carries it. */
struct presence_change {
    chat::id user;
    std::string status;             // "online" | "offline"
    boost::json::value last_active; // ISO-8601 string, or null
};

struct shard_link {
    net::executor executor;
    socketio::server* io = nullptr;
    local_users* users = nullptr;
    presence* presence_ = nullptr;
};

/** How instances reach each other (SOCK_ADAPTER). */
enum class adapter_mode {
    /** @socket.io/redis-adapter's pub/sub format (adapter_codec.hpp); the event log, when
        recovery is on, is a stream beside it. */
    redis,
    /** @socket.io/redis-streams-adapter 0.3.x: every event an entry of one stream
        (stream_codec.hpp), read by every instance. */
    redis_streams,
    /** @socket.io/redis-adapter 8.3's createShardedAdapter, dynamic mode (sharded_codec.hpp,
        docs/adr/0015-sharded-pubsub.md): SPUBLISH / SSUBSCRIBE, a channel per room with members
        here. Redis 7 or newer. */
    redis_sharded,
};

struct hub_settings {
    /** The control channel of the seed (SPEC §5). */
    std::string control_channel = "messages:events";
    redis::endpoint endpoint;
    redis::connection_options subscriber_options;
    redis::connection_options publisher_options;
    /** The adapter's key (SOCK_REDIS_PREFIX): channels "<prefix>#/#..."; empty: no fan-out
        between instances. */
    std::string adapter_prefix;
    std::chrono::milliseconds heartbeat{5000};
    /** How often users past their grace window are made offline (presence::expire). */
    std::chrono::milliseconds presence_tick{1000};
    /** This process's id (presence field and instance key). */
    std::string instance_id;
    adapter_mode mode = adapter_mode::redis;
    /** The stream (the streams adapter's, and the event log of recovery in either mode). */
    std::string stream;
    /** Connection state recovery is on: every event that is not volatile is logged and carries
        its offset (socketio/recovery.hpp). */
    bool offsets = false;
    /** Log entries older than this may be trimmed (XADD MINID ~). */
    std::chrono::milliseconds retention{165000};
    /** Streams mode: how long one XREAD waits (below the reader's command timeout). */
    std::chrono::milliseconds block{2000};
    redis::connection_options reader_options;
    /** SOCK_REDIS_PREFIX and SOCK_DOMAIN_HANDLE: the keys of topic membership and the presence
        channel (empty prefix: neither). */
    std::string redis_prefix;
    std::string domain;
    chat::layout layout = chat::layout::seed; // SOCK_REDIS_LAYOUT
    /** SOCK_ADAPTER_SKIP_UNHEARD: in the redis mode, a chat write leaves out its PUBLISHes while
        nobody else listens to the adapter's channels (docs/adr/0014-unheard-publications.md). */
    bool skip_unheard = true;
    /** The `presence` event's payload for a transition (SPEC's fields belong to the API edge:
        api::presence_payload); empty: transitions are not delivered. */
    std::function<boost::json::object(const presence_change&)> presence_event;
};

class hub {
public:
    explicit hub(hub_settings s);
    ~hub();
    hub(const hub&) = delete;
    hub& operator=(const hub&) = delete;

    /** Once, before start(), with every shard. */
    void attach(std::vector<shard_link> shards);
    /** From a coroutine on any executor, after attach(): subscribes to the control channel and
        starts the heartbeat, on shard 0. Completes (on the caller's executor) once the first
        heartbeat is written (or failed), so that no socket is counted before it. */
    net::awaitable<void> start();
    /** From a coroutine on any executor, before the shards stop: stops the heartbeat and the
        subscriber on shard 0; completes once they are stopped there. The heartbeat then
        retires this instance's key (see retired()). */
    net::awaitable<void> stop();
    /** From any thread: true once the stopped heartbeat loop has deleted this instance's key
        (or tried to), through shard 0's Redis connection; that connection must stay up until
        then. True when the loop never started. */
    bool retired() const noexcept;

    /** A chat write's event, prepared once before the write: what the write publishes for
        other instances, and the frames this instance's sockets then get. */
    struct prepared_event {
        std::vector<chat::publication> publications; // one per room (none without fan-out)
        /** Set when the publications leave out their PUBLISHes (publication.hpp). */
        chat::listener_check check;
        std::vector<std::string> rooms;
        std::vector<std::vector<std::string>> excepts; // per room: the rooms skipped
        std::vector<chat::holes> frames; // per room: [event,payload] as JSON, numbers as holes
    };
    /** A chat write's event to everyone who sees it (each room's payload shaped by the API
        edge: api/deliveries.hpp), in two halves: the publications the write itself makes
        (chat/publication.hpp), then, once the write succeeded, deliver_prepared to this
        instance's sockets. In the payloads, numbers only the write knows are
        placeholder(slot)s. Each room's JSON is written once, for both.
        While nobody else listened at the last probe (listens()), the publications leave out
        their PUBLISHes and carry the check the write makes first; `heard`: a write made so was
        refused because someone listens now: they are wanted, until the next probe. */
    prepared_event prepare(std::string_view event, std::span<const delivery> to,
                           bool heard = false) const;
    /** prepare() of payloads given as text. Only the redis adapter's PUBLISH encodes a payload
        itself (MessagePack, from an object): when this event needs one, the texts are parsed
        for it. takes_text(heard) says beforehand whether they will be (a probe may change it
        meanwhile: then they are parsed, never lost). */
    prepared_event prepare_text(std::string_view event, const text_event& to,
                                bool heard = false) const;
    /** Whether prepare_text(…, heard) would use its texts as they are, not parse them. */
    bool takes_text(bool heard) const noexcept;
    /** The prepared frames with the write's numbers and its log entries' ids (one per
        publication: chat::change::offsets) to this instance's sockets. */
    void deliver_prepared(const prepared_event& e, std::uint64_t seq, std::uint64_t rev,
                          const std::vector<std::string>& offsets) const;
    /** The value that stands for `s` in a payload given to prepare(). */
    static boost::json::value placeholder(chat::slot s);
    /** How many digits every placeholder is written with (all have the same). */
    static constexpr std::size_t placeholder_digits = 19;
    /** From any thread: `event` to each room, on this instance and (published) on the others;
        logged for recovery when the adapter logs. */
    void deliver(std::string_view event, std::span<const delivery> to) const;
    /** The same, never logged and with no offset (`typing`: socketio/recovery.hpp). */
    void deliver_volatile(std::string_view event, std::span<const delivery> to) const;
    /** From any thread: every socket of `user` on this instance joins / leaves `room`. */
    void move(const std::string& user, const std::string& room, bool join) const;
    /** Applies a control-channel message (JSON); false when it is not one. join-room and
        leave-room move sockets; kick, ban, unban, revoke, mute and unmute go to `moderation`. */
    bool control(std::string_view payload) const;
    /** Once, before start(): where moderation messages go (null: ignored). */
    void set_moderation(moderation* m) noexcept { moderation_ = m; }
    /** Delivers a presence transition (presence.hpp's channel) to this instance's sockets that
        watch the user; false when it is not one. */
    bool presence_changed(std::string_view payload) const;
    /** Delivers a redis-adapter broadcast published on `channel` to this instance's sockets;
        false when it is not one for us (ours, another namespace, undecodable). */
    bool remote(std::string_view channel, std::string_view payload) const;
    /** Applies an entry of the streams adapter's stream (a broadcast, sockets joining or
        leaving rooms, sockets disconnected); false when it is not one for us. */
    bool remote_entry(const stream_entry& e) const;

    const hub_settings& settings() const noexcept { return settings_; }

    /** Sharded mode: a message received on one of the adapter's shard channels (counted). */
    void sharded_received(std::string_view channel, std::string_view payload) const;
    /** From any thread: appends senna_adapter_received_{messages,bytes}_total: what this
        instance's adapter subscriber(s) received (ADR 0015 §10). */
    void render_metrics(std::string& out) const;

private:
    void emit(std::string room, std::vector<std::string> except, std::string_view event,
              const boost::json::object& payload) const;
    /** The publication of `event` to `room`; `data` is event_array_json(event, payload) cut
        where the payload holds placeholders, written once by the caller. `payload` may be null
        unless publishes_msgpack(!publish). `log_min_id`: the log's trim id, when the caller
        computed it for several publications (they then repeat none: chat/publication.hpp). */
    chat::publication publication_of(const std::string& room,
                                     const std::vector<std::string>& except, std::string_view event,
                                     const boost::json::object* payload, const chat::holes& data,
                                     bool publish = true,
                                     const std::string* log_min_id = nullptr) const;
    /** prepare() of `objects`, or of `texts` when not null. */
    prepared_event prepare_any(std::string_view event, std::span<const delivery> objects,
                               const text_event* texts, bool heard) const;
    /** Whether a chat write's event is PUBLISHed in the redis adapter's MessagePack. */
    bool publishes_msgpack(bool quiet) const noexcept {
        return settings_.mode == adapter_mode::redis && !settings_.adapter_prefix.empty() && !quiet;
    }
    /** Whether this instance leaves out PUBLISHes nobody else hears (hub_settings::skip_unheard,
        the redis mode with a prefix). */
    bool listens() const noexcept {
        return settings_.skip_unheard && settings_.mode == adapter_mode::redis &&
               !settings_.adapter_prefix.empty();
    }
    /** On shard 0: counts the adapter's listeners (docs/adr/0014-unheard-publications.md) and
        sets `alone_`. */
    net::awaitable<void> probe();
    net::awaitable<void> probe_loop();
    /** Whether an event is a script (log entry, offset) rather than a plain PUBLISH. */
    bool scripted() const noexcept {
        return settings_.offsets || settings_.mode == adapter_mode::redis_streams;
    }
    net::awaitable<void> read_stream();
    bool sharded() const noexcept { return settings_.mode == adapter_mode::redis_sharded; }
    /** Sharded mode, from any thread: SPUBLISHes the BROADCAST of `data` (["event",...] as
        JSON) to `room` minus `except`, with `offset` (a log entry id) when not empty, on the
        room's channel (or main for a room without one), through shard 0's publisher. */
    void sharded_publish(const std::string& room, const std::vector<std::string>& except,
                         std::string_view data, std::string_view offset = {}) const;
    /** Sharded mode, on shard 0: SPUBLISHes `message` on `channel`. */
    void spublish(std::string channel, std::string message) const;
    /** Sharded mode, from any shard: a room of "/" got its first member there or lost its last
        one; shard 0 counts the shards and (un)subscribes the room's channel. */
    void room_changed(const std::string& room, bool created);
    /** A broadcast, sockets joining / leaving rooms, or a disconnect from another instance, to
        this instance's sockets (the streams and the sharded modes). */
    void apply(cluster_message&& m, std::string_view offset) const;
    /** Sharded mode, on shard 0 once connected: throws std::runtime_error when the Redis
        answers INFO with a version older than 7 (no sharded pub/sub). */
    net::awaitable<void> check_sharded_support();
    /** Sharded mode: the instance's response channel. */
    const std::string& response_channel() const;
    net::awaitable<void> start_on_home();
    net::awaitable<void> stop_on_home();

    hub_settings settings_;
    /** The fields of every log entry this instance writes (uid, nsp, type; stream_codec.hpp). */
    std::vector<std::string> entry_fields_;
    /** The channels a write counts when it leaves out its PUBLISHes (ADR 0014). */
    chat::listener_check listener_check_;
    std::vector<shard_link> shards_;
    socketio::cluster cluster_;
    /** To other instances, through shard 0's publisher connection. */
    void publish(const std::string& room, const std::vector<std::string>& except,
                 std::string_view event, const boost::json::object& payload) const;
    /** The adapter's message of one event to one room. */
    std::string encode_publish(const std::string& room, const std::vector<std::string>& except,
                               std::string_view event, const boost::json::object& payload) const;
    /** To this instance's sockets in `room`, on every shard. */
    void local(std::string room, std::vector<std::string> except, std::string_view event,
               const boost::json::object& payload) const;
    /** The frame "2" + `data` (a JSON array) with `offset` (a log entry id, or empty) as its
        last element, to this instance's sockets in `room`, on every shard. */
    void local_text(std::string room, std::vector<std::string> except, std::string_view data,
                    std::string_view offset) const;

    moderation* moderation_ = nullptr;
    std::unique_ptr<redis::subscriber> sub_;    // on shard 0's thread
    std::unique_ptr<redis::connection> pub_;    // on shard 0's thread
    std::unique_ptr<redis::connection> reader_; // streams mode: XREAD, on shard 0's thread
    std::unique_ptr<redis::sharded_subscriber> shard_sub_; // sharded mode, on shard 0's thread
    /** Sharded mode, on shard 0: per room of "/", the shards where it has members. */
    std::unordered_map<std::string, unsigned> room_shards_;
    /** Sharded mode: this instance's response channel, and how its own messages end. */
    std::string response_channel_;
    std::string own_tail_;
    /** What the adapter subscriber(s) received: messages and their payload bytes. */
    mutable util::metrics::counter received_messages_;
    mutable util::metrics::counter received_bytes_;
    std::unique_ptr<redis::script> fan_out_;
    std::unique_ptr<heartbeat> heartbeat_; // on shard 0's thread; none without presence
    std::atomic<bool> stopping_{false};
    /** True while, at the last probe, nobody but this instance listened to the adapter's
        channels; cleared by a write that found otherwise (prepare's `heard`). */
    mutable std::atomic<bool> alone_{false};
    net::steady_timer* probe_timer_ = nullptr; // the probe loop's, while it waits
};

/** A fresh instance id: hostname, pid and random bits. */
std::string make_instance_id();

} // namespace senna::realtime

#include "realtime/hub.hpp"

#include "chat/keys.hpp"
#include "chat/rooms.hpp"
#include "realtime/adapter_codec.hpp"
#include "realtime/heartbeat.hpp"
#include "realtime/local_users.hpp"
#include "realtime/moderation.hpp"
#include "realtime/presence.hpp"
#include "redis/connection.hpp"
#include "redis/request.hpp"
#include "redis/subscriber.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <random>
#include <unistd.h>

namespace senna::realtime {

namespace json = boost::json;

std::string make_instance_id() {
    char host[64] = {};
    ::gethostname(host, sizeof host - 1);
    std::random_device rd;
    std::uniform_int_distribution<unsigned> d(0, 0xffffff);
    char tail[16];
    std::snprintf(tail, sizeof tail, "%06x", d(rd));
    return std::string(host) + "-" + std::to_string(::getpid()) + "-" + tail;
}

hub::hub(hub_settings s) : settings_(std::move(s)) {}

hub::~hub() = default;

void hub::attach(std::vector<shard_link> shards) {
    shards_ = std::move(shards);
    std::vector<socketio::server*> servers;
    for (auto& l : shards_)
        servers.push_back(l.io);
    cluster_ = socketio::cluster(std::move(servers));
    if (!shards_.empty() && shards_[0].presence_)
        heartbeat_ = std::make_unique<heartbeat>(shards_[0].executor, *shards_[0].presence_,
                                                 settings_.heartbeat, settings_.presence_tick);
}

net::awaitable<void> hub::start() {
    if (shards_.empty())
        co_return;
    co_await net::asio::co_spawn(shards_[0].executor, start_on_home(), net::use_awaitable);
}

net::awaitable<void> hub::start_on_home() {
    auto ex = shards_[0].executor;
    sub_ =
        std::make_unique<redis::subscriber>(ex, settings_.endpoint, settings_.subscriber_options);
    const std::string presence_ch =
        settings_.redis_prefix.empty()
            ? std::string()
            : presence_channel(
                  chat::keys(settings_.redis_prefix, settings_.domain).presence_base());
    sub_->set_handler([this, presence_ch](std::string_view channel, std::string_view pattern,
                                          std::string_view p) {
        if (pattern.empty() && channel == settings_.control_channel)
            control(p);
        else if (pattern.empty() && !presence_ch.empty() && channel == presence_ch)
            presence_changed(p);
        else if (!pattern.empty())
            remote(channel, p);
    });
    sub_->subscribe(settings_.control_channel);
    if (!presence_ch.empty())
        sub_->subscribe(presence_ch);
    if (!settings_.adapter_prefix.empty()) {
        sub_->psubscribe(broadcast_pattern(settings_.adapter_prefix, "/"));
        pub_ = std::make_unique<redis::connection>(ex, settings_.endpoint,
                                                   settings_.publisher_options);
        pub_->start();
    }
    sub_->start();
    if (heartbeat_)
        co_await heartbeat_->start(); // bounded by the Redis command timeout
}

net::awaitable<void> hub::stop() {
    if (stopping_.exchange(true) || shards_.empty())
        co_return;
    co_await net::asio::co_spawn(shards_[0].executor, stop_on_home(), net::use_awaitable);
}

net::awaitable<void> hub::stop_on_home() {
    if (heartbeat_)
        heartbeat_->stop();
    // Stopped and destroyed here, on their thread, while shard 0's io_context still exists.
    if (sub_)
        sub_->stop();
    if (pub_)
        pub_->stop();
    sub_.reset();
    pub_.reset();
    co_return;
}

bool hub::retired() const noexcept {
    return !heartbeat_ || heartbeat_->retired();
}

void hub::emit(std::string room, std::vector<std::string> except, std::string_view event,
               const json::object& payload) const {
    // Two encodings of one event, each written once straight from `payload`: the adapter's
    // msgpack for other instances, the Socket.IO frame shared by this instance's sockets.
    publish(room, except, event, payload);
    local(std::move(room), std::move(except), event, payload);
}

void hub::local(std::string room, std::vector<std::string> except, std::string_view event,
                const json::object& payload) const {
    if (!cluster_.may_reach(room))
        return; // nobody here is in the room: nothing to encode
    std::vector<std::string> rooms;
    rooms.push_back(std::move(room));
    cluster_.deliver("/", socketio::encode_event_frame("/", event, payload), std::move(rooms),
                     std::move(except));
}

std::string hub::encode_publish(const std::string& room, const std::vector<std::string>& except,
                                std::string_view event, const json::object& payload) const {
    return encode_event_broadcast(settings_.instance_id, "/", event, payload,
                                  std::span<const std::string>(&room, 1), except);
}

void hub::publish(const std::string& room, const std::vector<std::string>& except,
                  std::string_view event, const json::object& payload) const {
    if (settings_.adapter_prefix.empty() || shards_.empty())
        return;
    redis::request req;
    // One room: the adapter's room channel, so that instances without members can skip it.
    req.push("PUBLISH", broadcast_channel(settings_.adapter_prefix, "/", room),
             encode_publish(room, except, event, payload));
    // dispatch, not post: on shard 0 itself the PUBLISH is queued on the connection now. A post
    // from a shard's own thread waits in its private queue until the running handler returns,
    // behind posts that other threads made meanwhile: a REST edit's event could then reach
    // Redis after an event that the client sent only once it had the edit's answer.
    net::asio::dispatch(shards_[0].executor, [this, req = std::move(req)] {
        if (!pub_ || stopping_.load())
            return;
        pub_->async_exec(req, [](net::error_code ec, const std::vector<redis::reply>&) {
            if (ec)
                log::warn("publish_failed", {{"error", ec.message()}});
        });
    });
}

bool hub::remote(std::string_view channel, std::string_view payload) const {
    if (!channel_room(channel, settings_.adapter_prefix, "/"))
        return false;
    // Our own publications come back through the pattern subscription: drop them by uid
    // before decoding (that decode was a fifth of a REST send's instructions).
    if (msgpack::peek_first_string(payload) == std::string_view(settings_.instance_id))
        return false;
    auto b = decode_broadcast(payload);
    if (!b) {
        log::debug("adapter_message_dropped", {{"error", b.error().message()}});
        return false;
    }
    if (b->uid == settings_.instance_id || b->nsp != "/")
        return false;
    if (!cluster_.may_reach(b->rooms))
        return true; // for us, but nobody here is in its rooms
    socketio::packet p;
    p.type = b->type;
    p.nsp = "/";
    p.data = std::move(b->data);
    p.attachments = std::move(b->attachments);
    if (!p.attachments.empty() && p.type == socketio::packet_type::event)
        p.type = socketio::packet_type::binary_event;
    cluster_.deliver("/", socketio::encode_frame(p), std::move(b->rooms), std::move(b->except));
    return true;
}

namespace {
// Placeholders: integers no real seq or rev reaches (they are below 2^53), whose MessagePack
// form (0xcf, then 8 big-endian bytes) cannot occur inside the UTF-8 of a string either: 0xff
// is never a UTF-8 byte.
constexpr std::uint64_t placeholder_base = 0x7fff'ffff'ffff'ff00ULL;
constexpr std::string_view placeholder_head = "\xcf\x7f\xff\xff\xff\xff\xff\xff";
} // namespace

json::value hub::placeholder(chat::slot s) {
    return json::value(static_cast<std::int64_t>(placeholder_base + static_cast<unsigned char>(s)));
}

std::vector<chat::publication> hub::publications(std::string_view event,
                                                 std::span<const delivery> to) const {
    std::vector<chat::publication> out;
    if (settings_.adapter_prefix.empty())
        return out;
    for (const auto& d : to) {
        chat::publication p;
        p.channel = broadcast_channel(settings_.adapter_prefix, "/", d.room);
        const std::string bytes = encode_publish(d.room, d.except, event, d.payload);
        // Cut at each placeholder: the write puts the number there (chat/publication.hpp).
        std::size_t from = 0;
        for (;;) {
            const auto at = bytes.find(placeholder_head, from);
            if (at == std::string::npos || at + placeholder_head.size() >= bytes.size())
                break;
            p.pieces.push_back(bytes.substr(from, at - from));
            p.slots.push_back(static_cast<chat::slot>(bytes[at + placeholder_head.size()]));
            from = at + placeholder_head.size() + 1;
        }
        p.pieces.push_back(bytes.substr(from));
        out.push_back(std::move(p));
    }
    return out;
}

bool hub::reaches_local(const std::vector<std::string>& rooms) const {
    return cluster_.may_reach(rooms);
}

void hub::deliver_local(std::string_view event, std::span<const delivery> to) const {
    for (const auto& d : to)
        local(d.room, d.except, event, d.payload); // local() skips a room nobody here is in
}

void hub::deliver(std::string_view event, std::span<const delivery> to) const {
    for (const auto& d : to)
        emit(d.room, d.except, event, d.payload);
}

void hub::move(const std::string& user, const std::string& room, bool join) const {
    for (const auto& l : shards_) {
        net::asio::post(l.executor, [users = l.users, user, room, join] {
            if (users)
                users->apply(user, room, join);
        });
    }
}

bool hub::control(std::string_view payload) const {
    net::error_code ec;
    json::value v = json::parse(payload, ec);
    if (ec || !v.is_object())
        return false;
    const auto& o = v.get_object();
    const auto* type = o.if_contains("type");
    if (type && type->is_string() && moderation_kind(type->get_string())) {
        auto parsed = parse_moderation(o);
        if (!parsed.action) {
            log::warn("control_message_invalid",
                      {{"type", std::string(type->get_string())}, {"field", parsed.error}});
            return false;
        }
        if (moderation_)
            moderation_->receive(std::move(*parsed.action));
        return true;
    }
    const auto* uid = o.if_contains("user_id");
    const auto* room = o.if_contains("room");
    if (!type || !type->is_string() || !uid || !room || !room->is_string())
        return false;
    auto user = chat::id::from_json(*uid);
    auto r = util::trim(std::string_view(room->get_string()));
    if (!user || r.empty())
        return false;
    bool join = false;
    if (type->get_string() == "join-room")
        join = true;
    else if (type->get_string() != "leave-room")
        return false;
    move(user->text, std::string(r), join);
    // A topic's members (whom its message webhooks are for) follow the platform's moves. Every
    // instance writes the same: each applies the channel's messages in order, so the last write
    // of a (topic, user) is always the last message's.
    auto topic = chat::is_topic_room(r) ? chat::id::parse(r.substr(chat::topic_room_prefix.size()))
                                        : std::nullopt;
    if (topic && pub_ && !settings_.redis_prefix.empty()) {
        redis::request req;
        req.push(join ? "SADD" : "SREM",
                 chat::keys(settings_.redis_prefix, settings_.domain).topic(*topic).members_key(),
                 user->text);
        pub_->async_exec(req, [](net::error_code failed, const std::vector<redis::reply>& replies) {
            if (failed || (!replies.empty() && replies[0].is_error()))
                log::warn(
                    "membership_failed",
                    {{"error", failed ? failed.message() : std::string(replies[0].as_string())}});
        });
    }
    return true;
}

bool hub::presence_changed(std::string_view payload) const {
    net::error_code ec;
    json::value v = json::parse(payload, ec);
    if (ec || !v.is_object())
        return false;
    const auto& o = v.get_object();
    const auto* u = o.if_contains("user");
    const auto* status = o.if_contains("status");
    const auto* at = o.if_contains("last_active");
    auto user = u && u->is_string() ? chat::id::parse(u->get_string()) : std::nullopt;
    if (!user || !status || !status->is_string() || !at)
        return false;
    json::object event;
    event["user_id"] = user->to_json();
    event["status"] = status->get_string();
    event["last_active"] = *at;
    local(chat::presence_room(*user), {}, "presence", event);
    return true;
}

} // namespace senna::realtime

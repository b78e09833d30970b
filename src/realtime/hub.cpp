#include "realtime/hub.hpp"

#include "net/spawn.hpp"
#include "realtime/adapter_codec.hpp"
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
#include <future>
#include <random>
#include <unistd.h>

namespace senna::realtime {

namespace json = boost::json;

// --- local_users ---

void local_users::add(const std::string& user, const std::shared_ptr<socketio::socket>& s) {
    users_[user].push_back(s);
}

void local_users::remove(const std::string& user, const socketio::socket* s) {
    auto it = users_.find(user);
    if (it == users_.end())
        return;
    auto& v = it->second;
    v.erase(std::remove_if(v.begin(), v.end(),
                           [s](const std::weak_ptr<socketio::socket>& w) {
                               auto p = w.lock();
                               return !p || p.get() == s;
                           }),
            v.end());
    if (v.empty())
        users_.erase(it);
}

std::size_t local_users::apply(const std::string& user, const std::string& room, bool join) {
    auto it = users_.find(user);
    if (it == users_.end())
        return 0;
    std::size_t n = 0;
    // Copy: join/leave run no callbacks, but stay safe against re-entrance.
    auto sockets = it->second;
    for (auto& w : sockets) {
        auto s = w.lock();
        if (!s || !s->connected())
            continue;
        if (join)
            s->join(room);
        else
            s->leave(room);
        ++n;
    }
    return n;
}

std::size_t local_users::sockets_of(const std::string& user) const {
    auto it = users_.find(user);
    return it == users_.end() ? 0 : it->second.size();
}

std::vector<std::shared_ptr<socketio::socket>> local_users::sockets(const std::string& user) const {
    std::vector<std::shared_ptr<socketio::socket>> out;
    auto it = users_.find(user);
    if (it == users_.end())
        return out;
    for (const auto& w : it->second)
        if (auto s = w.lock(); s && s->connected())
            out.push_back(std::move(s));
    return out;
}

// --- hub ---

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
}

void hub::start() {
    if (shards_.empty())
        return;
    auto ex = shards_[0].executor;
    retired_.store(false);
    std::promise<void> first_beat;
    auto done = first_beat.get_future();
    net::asio::post(ex, [this, ex, &first_beat] {
        sub_ = std::make_unique<redis::subscriber>(ex, settings_.endpoint,
                                                   settings_.subscriber_options);
        sub_->set_handler(
            [this](std::string_view channel, std::string_view pattern, std::string_view p) {
                if (pattern.empty() && channel == settings_.control_channel)
                    control(p);
                else if (!pattern.empty())
                    remote(channel, p);
            });
        sub_->subscribe(settings_.control_channel);
        if (!settings_.adapter_prefix.empty()) {
            sub_->psubscribe(broadcast_pattern(settings_.adapter_prefix, "/"));
            pub_ = std::make_unique<redis::connection>(ex, settings_.endpoint,
                                                       settings_.publisher_options);
            pub_->start();
        }
        sub_->start();
        net::spawn(
            ex,
            [](hub* self, std::promise<void>* first) -> net::awaitable<void> {
                if (self->shards_[0].presence_)
                    co_await self->shards_[0].presence_->beat();
                first->set_value();
                co_await self->heartbeat_loop();
            }(this, &first_beat),
            "presence_heartbeat");
    });
    // The first beat is bounded by the Redis command timeout.
    done.wait();
}

net::awaitable<void> hub::heartbeat_loop() {
    net::steady_timer timer(shards_[0].executor);
    timer_ = &timer;
    while (!stopping_.load()) {
        timer.expires_after(settings_.heartbeat);
        auto [ec] = co_await timer.async_wait(net::use_tuple);
        if (ec || stopping_.load())
            break;
        if (shards_[0].presence_)
            co_await shards_[0].presence_->beat();
    }
    timer_ = nullptr;
    if (shards_[0].presence_)
        co_await shards_[0].presence_->retire();
    retired_.store(true);
}

void hub::stop() {
    if (stopping_.exchange(true) || shards_.empty())
        return;
    std::promise<void> p;
    auto f = p.get_future();
    net::asio::post(shards_[0].executor, [this, &p] {
        if (timer_)
            timer_->cancel();
        // Stopped and destroyed here, on their thread, while shard 0's io_context still exists.
        if (sub_)
            sub_->stop();
        if (pub_)
            pub_->stop();
        sub_.reset();
        pub_.reset();
        p.set_value();
    });
    f.wait();
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
    std::vector<std::string> rooms;
    rooms.push_back(std::move(room));
    cluster_.deliver("/", socketio::encode_event_frame("/", event, payload), std::move(rooms),
                     std::move(except));
}

void hub::push_publish(redis::request& into, const std::string& room,
                       const std::vector<std::string>& except, std::string_view event,
                       const json::object& payload) const {
    // One room: the adapter's room channel, so that instances without members can skip it.
    into.push("PUBLISH", broadcast_channel(settings_.adapter_prefix, "/", room),
              encode_event_broadcast(settings_.instance_id, "/", event, payload,
                                     std::span<const std::string>(&room, 1), except));
}

void hub::publish(const std::string& room, const std::vector<std::string>& except,
                  std::string_view event, const json::object& payload) const {
    if (settings_.adapter_prefix.empty() || shards_.empty())
        return;
    redis::request req;
    push_publish(req, room, except, event, payload);
    // dispatch, not post: on shard 0 itself the PUBLISH is queued on the connection now. A post
    // from a shard's own thread waits in its private queue until the running handler returns,
    // behind posts that other threads made meanwhile: a REST edit's event could then reach
    // Redis after an event that the client sent only once it had the edit's answer.
    net::asio::dispatch(shards_[0].executor, [this, req = std::move(req)] {
        if (!pub_ || stopping_.load())
            return;
        pub_->async_exec(req, [](net::error_code ec, std::vector<redis::reply>) {
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
json::object chat_json(const char* type, const chat::id& id) {
    json::object c;
    c["type"] = type;
    c["id"] = id.to_json();
    return c;
}
} // namespace

namespace {
/** The payload as each receiving room sees it (its own "chat"), one copy for all. */
template <class Emit>
void per_room(const chat::id& me, const chat::chat_ref& chat, const json::object& payload,
              Emit emit) {
    json::object o = payload;
    if (chat.type == chat::target::user) {
        o["chat"] = chat_json("user", me);
        emit("user-" + chat.other.text, o);
        o["chat"] = chat_json("user", chat.other);
        emit("user-" + me.text, o);
    } else {
        o["chat"] = chat_json("topic", chat.other);
        emit("topic-" + chat.other.text, o);
    }
}
} // namespace

void hub::deliver(std::string_view event, const chat::id& me, const chat::chat_ref& chat,
                  const json::object& payload) const {
    per_room(me, chat, payload,
             [&](std::string room, const json::object& o) { emit(std::move(room), {}, event, o); });
}

void hub::publications(std::string_view event, const chat::id& me, const chat::chat_ref& chat,
                       const json::object& payload, redis::request& into) const {
    if (settings_.adapter_prefix.empty())
        return;
    per_room(me, chat, payload, [&](const std::string& room, const json::object& o) {
        push_publish(into, room, {}, event, o);
    });
}

void hub::deliver_local(std::string_view event, const chat::id& me, const chat::chat_ref& chat,
                        const json::object& payload) const {
    per_room(me, chat, payload, [&](std::string room, const json::object& o) {
        local(std::move(room), {}, event, o);
    });
}

void hub::typing(const chat::id& me, const chat::chat_ref& chat) const {
    json::object o;
    o["user_id"] = me.to_json();
    if (chat.type == chat::target::user) {
        o["chat"] = chat_json("user", me);
        emit("user-" + chat.other.text, {}, "typing", o);
    } else {
        o["chat"] = chat_json("topic", chat.other);
        std::vector<std::string> except{"user-" + me.text};
        emit("topic-" + chat.other.text, std::move(except), "typing", o);
    }
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
    if (type->get_string() == "join-room")
        move(user->text, std::string(r), true);
    else if (type->get_string() == "leave-room")
        move(user->text, std::string(r), false);
    else
        return false;
    return true;
}

} // namespace senna::realtime

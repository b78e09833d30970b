#include "realtime/hub.hpp"

#include "chat/keys.hpp"
#include "chat/rooms.hpp"
#include "chat/scripts.hpp"
#include "net/spawn.hpp"
#include "realtime/adapter_codec.hpp"
#include "realtime/heartbeat.hpp"
#include "realtime/local_users.hpp"
#include "realtime/moderation.hpp"
#include "realtime/presence.hpp"
#include "realtime/sharded_codec.hpp"
#include "realtime/stream_codec.hpp"
#include "redis/connection.hpp"
#include "redis/request.hpp"
#include "redis/script.hpp"
#include "redis/sharded_subscriber.hpp"
#include "redis/subscriber.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

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

hub::hub(hub_settings s)
    : settings_(std::move(s)), entry_fields_(broadcast_fields(settings_.instance_id, "/")),
      listener_check_{listeners_channel(settings_.adapter_prefix),
                      listener_channel(settings_.adapter_prefix, settings_.instance_id),
                      request_channel(settings_.adapter_prefix, "/")},
      response_channel_(broadcast_channel(settings_.adapter_prefix, "/", settings_.instance_id)),
      own_tail_(sharded_tail(settings_.instance_id)),
      fan_out_(std::make_unique<redis::script>(chat::scripts::fan_out())) {}

hub::~hub() = default;

void hub::attach(std::vector<shard_link> shards) {
    shards_ = std::move(shards);
    std::vector<socketio::server*> servers;
    for (auto& l : shards_)
        servers.push_back(l.io);
    cluster_ = socketio::cluster(std::move(servers));
    if (sharded() && !settings_.adapter_prefix.empty())
        for (auto& l : shards_)
            if (l.io)
                l.io->on_room(
                    [this](const std::string& nsp, const std::string& room, bool created) {
                        if (nsp == "/")
                            room_changed(room, created);
                    });
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
            : chat::keys(settings_.redis_prefix, settings_.domain, settings_.layout)
                  .presence_channel();
    sub_->set_handler([this, presence_ch](std::string_view channel, std::string_view pattern,
                                          std::string_view p) {
        if (pattern.empty() && channel == settings_.control_channel)
            control(p);
        else if (pattern.empty() && !presence_ch.empty() && channel == presence_ch)
            presence_changed(p);
        else if (!pattern.empty()) {
            received_messages_.inc();
            received_bytes_.inc(p.size());
            remote(channel, p);
        }
    });
    sub_->subscribe(settings_.control_channel);
    if (!presence_ch.empty())
        sub_->subscribe(presence_ch);
    if (!settings_.adapter_prefix.empty() && !sharded()) {
        // In streams mode too: @socket.io/redis-emitter publishes there whatever the mode.
        sub_->psubscribe(broadcast_pattern(settings_.adapter_prefix, "/"));
        // Counted as a listener by the writes of every instance (ADR 0014), in one SUBSCRIBE
        // with the channel that lets this instance tell itself apart.
        sub_->subscribe(listener_check_.listeners);
        sub_->subscribe(listener_check_.self);
    }
    if (!settings_.adapter_prefix.empty()) {
        pub_ = std::make_unique<redis::connection>(ex, settings_.endpoint,
                                                   settings_.publisher_options);
        pub_->start();
        if (settings_.mode == adapter_mode::redis_streams && !settings_.stream.empty()) {
            reader_ = std::make_unique<redis::connection>(ex, settings_.endpoint,
                                                          settings_.reader_options);
            reader_->start();
            net::spawn(ex, read_stream(), "stream_reader");
        }
        if (sharded()) {
            // Main and this instance's response channel for its life; each room's channel
            // while the room has members here (room_changed), those of now included.
            auto o = settings_.subscriber_options;
            o.name = "sharded-subscriber";
            shard_sub_ = std::make_unique<redis::sharded_subscriber>(ex, settings_.endpoint, o);
            shard_sub_->set_handler([this](std::string_view channel, std::string_view p) {
                sharded_received(channel, p);
            });
            // A demoted master serves SPUBLISH as a replica (ADR 0015 §8): the publisher
            // reloads its map when the subscriber sees slots move.
            shard_sub_->set_topology_handler([this] {
                if (pub_)
                    pub_->refresh_topology();
            });
            shard_sub_->subscribe(broadcast_channel(settings_.adapter_prefix, "/"));
            shard_sub_->subscribe(response_channel());
            for (const auto& [room, n] : room_shards_)
                if (has_own_channel(room))
                    shard_sub_->subscribe(broadcast_channel(settings_.adapter_prefix, "/", room));
            shard_sub_->start();
        }
    }
    sub_->start();
    if (!settings_.adapter_prefix.empty()) {
        // Subscribed before the first socket (the server accepts once start() completes): the
        // writes other instances make from then on publish for this one (ADR 0014).
        net::steady_timer t(ex);
        const auto by = std::chrono::steady_clock::now() +
                        settings_.subscriber_options.connect_timeout +
                        settings_.subscriber_options.command_timeout;
        while (
            !(sub_->connected() && pub_->connected() && (!shard_sub_ || shard_sub_->connected())) &&
            std::chrono::steady_clock::now() < by) {
            t.expires_after(std::chrono::milliseconds(5));
            co_await t.async_wait(net::use_tuple);
        }
        if (sharded())
            co_await check_sharded_support(); // throws for a Redis without sharded pub/sub
        if (listens()) {
            co_await probe(); // bounded by the Redis command timeout
            net::spawn(ex, probe_loop(), "adapter_probe");
        }
    }
    if (heartbeat_)
        co_await heartbeat_->start(); // bounded by the Redis command timeout
}

net::awaitable<void> hub::probe() {
    if (!pub_ || stopping_.load())
        co_return;
    const auto& prefix = settings_.adapter_prefix;
    redis::request req;
    req.push("PUBSUB", "NUMSUB", listener_check_.listeners, listener_check_.self,
             listener_check_.adapters);
    req.push("PUBLISH", listeners_probe_channel(prefix), "");
    auto [ec, replies] = co_await pub_->exec(req);
    if (stopping_.load())
        co_return;
    if (ec || replies.size() != 2 || replies[0].elements.size() != 6 || !replies[1].as_integer()) {
        alone_.store(false);
        log::warn("adapter_probe_failed",
                  {{"error", ec ? ec.message() : std::string("unexpected reply")}});
        co_return;
    }
    // (No lambda over `replies`: clang-tidy's clang cannot capture a structured binding.)
    const auto& counts = replies[0].elements;
    const long long instances = counts[1].as_integer().value_or(0),
                    self = counts[3].as_integer().value_or(0),
                    adapters = counts[5].as_integer().value_or(0);
    // Each instance and adapter PSUBSCRIBEs the broadcast pattern once: more receivers of the
    // probe than that is a listener that is not counted (a raw subscriber, an older senna).
    const bool unregistered = *replies[1].as_integer() > instances + adapters;
    const bool alone = instances - self + adapters <= 0 && !unregistered;
    if (alone_.exchange(alone) != alone)
        log::info("adapter_listeners", {{"alone", alone},
                                        {"instances", instances},
                                        {"adapters", adapters},
                                        {"unregistered", unregistered}});
}

net::awaitable<void> hub::probe_loop() {
    net::steady_timer timer(shards_[0].executor);
    probe_timer_ = &timer;
    while (!stopping_.load()) {
        timer.expires_after(settings_.heartbeat);
        auto [ec] = co_await timer.async_wait(net::use_tuple);
        if (ec || stopping_.load())
            break;
        co_await probe();
    }
    probe_timer_ = nullptr;
}

net::awaitable<void> hub::stop() {
    if (stopping_.exchange(true) || shards_.empty())
        co_return;
    co_await net::asio::co_spawn(shards_[0].executor, stop_on_home(), net::use_awaitable);
}

net::awaitable<void> hub::stop_on_home() {
    if (heartbeat_)
        heartbeat_->stop();
    if (probe_timer_)
        probe_timer_->cancel();
    // Stopped and destroyed here, on their thread, while shard 0's io_context still exists.
    if (sub_)
        sub_->stop();
    if (pub_)
        pub_->stop();
    if (reader_)
        reader_->stop();
    if (shard_sub_)
        shard_sub_->stop();
    sub_.reset();
    pub_.reset();
    reader_.reset();
    shard_sub_.reset();
    co_return;
}

bool hub::retired() const noexcept {
    return !heartbeat_ || heartbeat_->retired();
}

void hub::emit(std::string room, std::vector<std::string> except, std::string_view event,
               const json::object& payload) const {
    if (!scripted()) {
        // Two encodings of one event, each written once straight from `payload`: the adapter's
        // msgpack for other instances, the Socket.IO frame shared by this instance's sockets.
        publish(room, except, event, payload);
        local(std::move(room), std::move(except), event, payload);
        return;
    }
    if (shards_.empty())
        return;
    // Logged: the entry (and the PUBLISH carrying its id) in one script on shard 0's
    // connection, then this instance's sockets with the id as offset.
    std::string data = event_array_json(event, payload);
    chat::publishing pubs;
    chat::holes whole;
    whole.pieces.push_back(data);
    pubs.publications.push_back(publication_of(room, except, event, &payload, whole));
    struct script_call {
        std::vector<std::string> keys, args;
    };
    auto call = std::make_shared<script_call>();
    chat::append_args(std::move(pubs), call->keys, call->args);
    net::asio::dispatch(shards_[0].executor, [this, call, room = std::move(room),
                                              except = std::move(except),
                                              data = std::move(data)]() mutable {
        if (!pub_ || stopping_.load()) {
            local_text(std::move(room), std::move(except), data, {});
            return;
        }
        std::vector<std::string_view> keys(call->keys.begin(), call->keys.end());
        std::vector<std::string_view> views(call->args.begin(), call->args.end());
        pub_->async_evalsha(
            *fan_out_, keys, views,
            [this, call, room = std::move(room), except = std::move(except),
             data = std::move(data)](net::error_code ec, redis::replies rs) mutable {
                const redis::reply& r = rs.front();
                std::string_view id;
                if (ec || r.is_error())
                    log::warn("publish_failed",
                              {{"error", ec ? ec.message() : std::string(r.as_string())}});
                else if (!r.elements.empty())
                    id = r.elements[0].as_string();
                if (sharded())
                    sharded_publish(room, except, data, settings_.offsets ? id : "");
                local_text(std::move(room), std::move(except), data,
                           settings_.offsets ? id : std::string_view());
            });
    });
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

void hub::local_text(std::string room, std::vector<std::string> except, std::string_view data,
                     std::string_view offset) const {
    if (!cluster_.may_reach(room))
        return; // nobody on this instance is in the room
    // "2" is an EVENT to "/": encode_event_frame's head.
    std::string text;
    text.reserve(data.size() + offset.size() + 5);
    text += '2';
    socketio::offset at;
    if (auto o = socketio::offset::parse(offset); o && !data.empty()) {
        at = *o;
        text.append(data.substr(0, data.size() - 1));
        text += ",\"";
        text += offset;
        text += "\"]";
    } else {
        text += data;
    }
    socketio::frame f;
    f.text = std::make_shared<const std::string>(std::move(text));
    f.at = at;
    std::vector<std::string> rooms;
    rooms.push_back(std::move(room));
    cluster_.deliver("/", std::move(f), std::move(rooms), std::move(except));
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
    if (sharded()) {
        sharded_publish(room, except, event_array_json(event, payload));
        return;
    }
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
        pub_->async_exec(req, [](net::error_code ec, const redis::replies&) {
            if (ec)
                log::warn("publish_failed", {{"error", ec.message()}});
        });
    });
}

bool hub::remote(std::string_view channel, std::string_view payload) const {
    if (payload.empty() || !channel_room(channel, settings_.adapter_prefix, "/"))
        return false; // (empty: an instance's listeners probe, ADR 0014)
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
    // senna's logged events end with their offset (flags.logged); an event from anyone else
    // (the emitter, a Node server) is not in the log and carries none.
    socketio::offset at;
    if (const auto* logged = b->flags.if_contains(logged_flag);
        logged && logged->is_bool() && logged->get_bool() && b->data.is_array() &&
        !b->data.get_array().empty() && b->data.get_array().back().is_string()) {
        if (auto o = socketio::offset::parse(b->data.get_array().back().get_string()))
            at = *o;
    }
    socketio::packet p;
    p.type = b->type;
    p.nsp = "/";
    p.data = std::move(b->data);
    p.attachments = std::move(b->attachments);
    p.id = b->id;
    if (!p.attachments.empty() && p.type == socketio::packet_type::event)
        p.type = socketio::packet_type::binary_event;
    auto f = socketio::encode_frame(p);
    if (at.logged()) {
        f.at = at;
        f.string_tail = false;
    }
    cluster_.deliver("/", std::move(f), std::move(b->rooms), std::move(b->except));
    return true;
}

bool hub::remote_entry(const stream_entry& e) const {
    if (e.uid == settings_.instance_id || e.nsp != "/")
        return false;
    auto m = decode_entry(e);
    if (!m) {
        log::debug("stream_entry_dropped", {{"id", e.id}, {"error", m.error().message()}});
        return false;
    }
    apply(std::move(*m), e.id);
    return true;
}

void hub::apply(cluster_message&& m, std::string_view offset) const {
    switch (m.type) {
    case cluster_type::broadcast: {
        socketio::offset at;
        if (settings_.offsets && !m.id && !m.is_volatile())
            if (auto o = socketio::offset::parse(offset))
                at = *o;
        auto rooms = std::move(m.rooms);
        auto except = std::move(m.except);
        cluster_.deliver("/", replay_frame("/", std::move(m), at), std::move(rooms),
                         std::move(except));
        return;
    }
    case cluster_type::sockets_join:
    case cluster_type::sockets_leave:
    case cluster_type::disconnect: {
        auto shared = std::make_shared<const cluster_message>(std::move(m));
        for (const auto& l : shards_) {
            net::asio::post(l.executor, [io = l.io, shared] {
                auto* ns = io ? io->find("/") : nullptr;
                if (!ns)
                    return;
                for (auto& s : ns->select(shared->rooms, shared->except)) {
                    if (shared->type == cluster_type::disconnect) {
                        s->disconnect(shared->close);
                        continue;
                    }
                    for (const auto& r : shared->target_rooms) {
                        if (shared->type == cluster_type::sockets_join)
                            s->join(r);
                        else
                            s->leave(r);
                    }
                }
            });
        }
        return;
    }
    }
}

const std::string& hub::response_channel() const {
    return response_channel_;
}

net::awaitable<void> hub::check_sharded_support() {
    if (!pub_ || stopping_.load())
        co_return;
    redis::request req;
    req.push("INFO", "server");
    auto [ec, replies] = co_await pub_->exec(req);
    if (ec || replies.size() != 1 || replies[0].is_error()) {
        // Not known (Redis down at start-up does not stop senna: /readyz says 503).
        log::warn("redis_version_unknown", {{"adapter", "redis-sharded"}});
        co_return;
    }
    const std::string_view info = replies[0].as_string();
    const auto at = info.find("redis_version:");
    if (at == std::string_view::npos)
        co_return;
    const auto from = at + std::string_view("redis_version:").size();
    const auto to = info.find_first_of("\r\n", from);
    const std::string version(info.substr(from, to == std::string_view::npos ? to : to - from));
    int major = 0;
    for (char c : version) {
        if (c < '0' || c > '9')
            break;
        major = major * 10 + (c - '0');
        if (major > 1000)
            break;
    }
    if (major >= 7)
        co_return;
    // Stopped here, on their thread, before the failure unwinds the start-up.
    co_await stop_on_home();
    throw std::runtime_error("SOCK_ADAPTER: redis-sharded needs Redis 7 or newer (sharded "
                             "pub/sub); the Redis at " +
                             redis::describe(settings_.endpoint) + " is " + version);
}

void hub::room_changed(const std::string& room, bool created) {
    if (shards_.empty() || !has_own_channel(room))
        return;
    net::asio::dispatch(shards_[0].executor, [this, room, created] {
        // Counted even before start (then subscribed by start) and after stop (ignored).
        auto it = room_shards_.find(room);
        if (created) {
            if (it == room_shards_.end())
                it = room_shards_.emplace(room, 0).first;
            if (it->second++ == 0 && shard_sub_)
                shard_sub_->subscribe(broadcast_channel(settings_.adapter_prefix, "/", room));
        } else if (it != room_shards_.end() && --it->second == 0) {
            room_shards_.erase(it);
            if (shard_sub_)
                shard_sub_->unsubscribe(broadcast_channel(settings_.adapter_prefix, "/", room));
        }
    });
}

void hub::sharded_publish(const std::string& room, const std::vector<std::string>& except,
                          std::string_view data, std::string_view offset) const {
    if (settings_.adapter_prefix.empty())
        return;
    const std::span<const std::string> rooms(&room, 1);
    spublish(has_own_channel(room) ? broadcast_channel(settings_.adapter_prefix, "/", room)
                                   : broadcast_channel(settings_.adapter_prefix, "/"),
             encode_sharded_broadcast(settings_.instance_id, data, rooms, except, offset));
}

void hub::spublish(std::string channel, std::string message) const {
    if (shards_.empty())
        return;
    // dispatch, not post: on shard 0 itself the SPUBLISH is queued on the connection now (see
    // publish()).
    net::asio::dispatch(
        shards_[0].executor, [this, channel = std::move(channel), message = std::move(message)] {
            if (!pub_ || stopping_.load())
                return;
            redis::request req;
            req.push("SPUBLISH", channel, message);
            pub_->async_exec(req, [](net::error_code ec, const redis::replies& r) {
                if (ec || (!r.empty() && r[0].is_error()))
                    log::warn("publish_failed",
                              {{"error", ec ? ec.message() : std::string(r[0].as_string())}});
            });
        });
}

void hub::sharded_received(std::string_view channel, std::string_view payload) const {
    received_messages_.inc();
    received_bytes_.inc(payload.size());
    // Our own SPUBLISHes come back on the rooms we serve: dropped before decoding.
    if (payload.ends_with(own_tail_))
        return;
    auto m = decode_sharded(payload);
    if (!m) {
        log::debug("adapter_message_dropped", {{"error", m.error().message()}});
        return;
    }
    if (m->uid == settings_.instance_id || m->nsp != "/")
        return;
    if (channel == response_channel())
        return; // senna sends no requests: a response is for nobody here
    const auto answer = [&](cluster_request type) {
        if (m->request_id && m->uid != emitter_uid)
            spublish(broadcast_channel(settings_.adapter_prefix, "/", m->uid),
                     encode_sharded_response(settings_.instance_id, type, *m->request_id));
    };
    switch (m->type) {
    case static_cast<int>(cluster_request::fetch_sockets):
        answer(cluster_request::fetch_sockets_response);
        return;
    case static_cast<int>(cluster_request::server_side_emit):
        answer(cluster_request::server_side_emit_response);
        return;
    default:
        break;
    }
    if (!m->message)
        return; // heartbeats, responses, types senna does not act on
    auto& cm = *m->message;
    std::string offset;
    if (cm.type == cluster_type::broadcast) {
        if (m->request_id)
            answer(cluster_request::broadcast_client_count); // acks are not relayed
        // senna's logged events end with their offset (flags.logged; ADR 0011).
        if (const auto* logged = cm.flags.if_contains(logged_flag);
            logged && logged->is_bool() && logged->get_bool() && cm.data.is_array() &&
            cm.data.get_array().size() > 1 && cm.data.get_array().back().is_string()) {
            offset = cm.data.get_array().back().get_string();
            cm.data.get_array().pop_back();
        }
        if (!cluster_.may_reach(cm.rooms))
            return;
    }
    apply(std::move(cm), offset);
}

void hub::render_metrics(std::string& out) const {
    namespace m = util::metrics;
    m::header(out, "senna_adapter_received_messages_total", "counter",
              "Messages this instance's adapter subscriber(s) received from Redis (classic: the "
              "pattern subscription's, own ones included; streams: entries read; sharded: every "
              "shard channel message).");
    m::sample(out, "senna_adapter_received_messages_total", "", received_messages_.value());
    m::header(out, "senna_adapter_received_bytes_total", "counter",
              "Payload bytes of those messages.");
    m::sample(out, "senna_adapter_received_bytes_total", "", received_bytes_.value());
}

// Streams mode: every instance reads the whole stream from where it started ("$"), as the
// adapter does (XREAD BLOCK ... COUNT 100), and applies what others wrote.
net::awaitable<void> hub::read_stream() {
    std::string last = "$";
    net::steady_timer pause(shards_[0].executor);
    while (!stopping_.load() && reader_) {
        redis::request req;
        req.push("XREAD", "BLOCK", std::to_string(settings_.block.count()), "COUNT", "100",
                 "STREAMS", settings_.stream, last);
        auto [ec, replies] = co_await reader_->exec(req);
        if (stopping_.load())
            break;
        if (ec || replies.empty() || replies[0].is_error()) {
            pause.expires_after(std::chrono::milliseconds(100));
            co_await pause.async_wait(net::use_tuple);
            continue;
        }
        for (const auto& e : parse_xread(replies[0])) {
            last = e.id;
            received_messages_.inc();
            received_bytes_.inc(e.data.size());
            remote_entry(e);
        }
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
                 chat::keys(settings_.redis_prefix, settings_.domain, settings_.layout)
                     .topic(*topic)
                     .members_key(),
                 user->text);
        pub_->async_exec(req, [](net::error_code failed, const redis::replies& replies) {
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
    if (settings_.presence_event) {
        const presence_change change{*user, std::string(status->get_string()), *at};
        local(chat::presence_room(*user), {}, "presence", settings_.presence_event(change));
    }
    return true;
}

} // namespace senna::realtime

#pragma once
// admin_ui's state (admin_ui.hpp): the shards and their probes, the bus's connections on shard
// 0, the event cap and the pending socket fetches. Module-private (src/admin only): the probes
// (probe.cpp) publish through it; admin_ui.cpp runs it.

#include "admin/admin_ui.hpp"
#include "admin/credentials.hpp"
#include "admin/probe.hpp"
#include "redis/connection.hpp"
#include "redis/request.hpp"
#include "redis/subscriber.hpp"
#include "socketio/client.hpp"
#include "util/log.hpp"
#include "util/time.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace senna::admin {

struct admin_ui::impl {
    settings& s;
    std::vector<shard> shards;
    std::vector<std::unique_ptr<probe>> probes;
    socketio::cluster cluster;
    std::string channel;
    std::vector<std::string> features;
    std::unique_ptr<redis::subscriber> sub; // shard 0
    std::unique_ptr<redis::connection> pub; // shard 0: publishes and sessions
    net::asio::thread_pool passwords{1};    // bcrypt off the shards
    std::atomic<int> local_admins{0};
    std::atomic<std::int64_t> watched_until{0}; // ms: another instance has an admin
    std::atomic<bool> stopping{false};
    std::atomic<std::int64_t> cap_second{0};
    std::atomic<std::size_t> cap_used{0};
    std::atomic<std::uint64_t> dropped{0};
    net::steady_timer* timer = nullptr; // shard 0
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    struct fetch {
        std::size_t shard = 0;
        std::string socket_id;
        boost::json::array sockets;
    };
    std::unordered_map<std::string, fetch> fetches; // shard 0

    explicit impl(settings& st) : s(st), channel(st.prefix + "#admin-ui") {}

    bool verbose() const { return s.mode != mode::production; }
    bool watched() const {
        return local_admins.load() > 0 || util::now_ms() < watched_until.load();
    }
    std::string session_key(std::string_view id) const {
        return s.prefix + ":admin-ui:session:" + sha256_hex(id);
    }

    // From any shard: PUBLISH on the bus, through shard 0's connection.
    void publish(boost::json::object msg) {
        msg["from"] = s.server_id;
        std::string text = boost::json::serialize(msg);
        net::asio::post(shards[0].executor, [this, text = std::move(text)] {
            if (!pub || stopping.load())
                return;
            redis::request req;
            req.push("PUBLISH", channel, text);
            pub->async_exec(req, [](net::error_code ec, const redis::replies&) {
                if (ec)
                    log::debug("admin_publish_failed", {{"error", ec.message()}});
            });
        });
    }

    // A fine-grained event (development and readonly modes, while watched), within the cap.
    bool may_emit() {
        if (!verbose() || !watched())
            return false;
        const std::int64_t second = util::now_ms() / 1000;
        if (cap_second.exchange(second) != second)
            cap_used.store(0);
        if (cap_used.fetch_add(1) >= s.max_events_per_second) {
            dropped.fetch_add(1);
            return false;
        }
        return true;
    }
    void publish_event(std::string_view name, boost::json::array args) {
        boost::json::object m;
        m["kind"] = "event";
        m["event"] = name;
        m["args"] = std::move(args);
        publish(std::move(m));
    }

    // To the admin sockets of this instance, on every shard.
    void to_admins(std::string_view name, boost::json::array args) {
        if (local_admins.load() <= 0)
            return;
        cluster.of(s.namespace_name).emit(name, std::move(args));
    }

    void on_bus(std::string_view payload);
    void apply_command(const boost::json::object& cmd);
    net::awaitable<boost::json::array> local_sockets();
    net::awaitable<void> answer_fetch(std::string req, std::string to);
    void begin_fetch(std::size_t shard_index, std::string socket_id);
    net::awaitable<void> stats_loop();
    net::awaitable<void> stats_tick();
    net::awaitable<bool> session_valid(std::string id);
    net::awaitable<void> save_session(std::string id);
    void declare(std::size_t index);
};

} // namespace senna::admin

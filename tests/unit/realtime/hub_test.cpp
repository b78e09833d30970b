// realtime::hub in process: two instances (two hubs, each over its own Socket.IO server) on one
// io_context and a real redis-server, with sockets connected by in-process polling requests.
// Checks what reaches the sockets through each path the hub owns: a local delivery, another
// instance's publication (the @socket.io/redis-adapter format over Redis pub/sub), its own
// publication echoed back (skipped by uid, counted in senna_adapter_received_*), the control
// channel's join-room, and garbage.

#include "engineio/server.hpp"
#include "net/timer_wheel.hpp"
#include "realtime/adapter_codec.hpp"
#include "realtime/hub.hpp"
#include "realtime/local_users.hpp"
#include "socketio/server.hpp"
#include "support/async_test.hpp"
#include "support/polling.hpp"
#include "support/redis_server.hpp"
#include "websocket/connection.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>
#include <optional>

namespace senna::realtime {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// One instance: a Socket.IO server on the shared io_context, its users and its hub.
struct instance {
    instance(net::asio::io_context& ioc, net::timer_wheel& wheel, const test::redis_server& redis,
             std::string id)
        : ws{ioc, wheel}, hub_(settings(redis, std::move(id))) {
        io.of("/").on_connection([this](socketio::socket& s) {
            // What the chat edge does for an authenticated user: its room, its registry entry.
            s.join("user-" + next_user);
            users.add(next_user, s.shared_from_this());
        });
        hub_.attach({shard_link{ioc.get_executor(), &io, &users, nullptr}});
    }

    static hub_settings settings(const test::redis_server& redis, std::string id) {
        hub_settings s;
        s.endpoint.port = redis.port();
        s.subscriber_options.name = "sub-" + id;
        s.publisher_options.name = "pub-" + id;
        s.subscriber_options.reconnect_min = s.publisher_options.reconnect_min = 20ms;
        s.adapter_prefix = "senna-sockets";
        s.instance_id = std::move(id);
        return s;
    }

    websocket::shard_context ws;
    engineio::metrics metrics;
    engineio::server eio{ws, engineio::settings{}, metrics};
    socketio::server io{eio};
    local_users users;
    hub hub_;
    std::string next_user = "1";
};

struct two_instances {
    test::redis_server redis;
    net::asio::io_context ioc{1};
    net::timer_wheel wheel{ioc.get_executor()};
    instance a{ioc, wheel, redis, "instance-a"};
    instance b{ioc, wheel, redis, "instance-b"};

    two_instances() {
        test::run_async(ioc, [this]() -> net::awaitable<void> {
            co_await a.hub_.start();
            co_await b.hub_.start();
            // Both subscribers hold their channel (and, in the same call, their pattern) before
            // the test publishes anything.
            CO_ASSERT_TRUE(co_await test::wait_until([this] {
                return redis.command({"PUBSUB", "NUMSUB", "messages:events"}) ==
                       "messages:events\n2";
            }));
        });
    }
    ~two_instances() {
        test::run_async(ioc, [this]() -> net::awaitable<void> {
            co_await a.hub_.stop();
            co_await b.hub_.stop();
        });
    }

    // One polling request against `in`'s Engine.IO server, run until answered or `limit`.
    std::optional<http::response> call(instance& in, http::verb method, const std::string& target,
                                       std::string body = {},
                                       std::chrono::milliseconds limit = 300ms) {
        return test::polling_call(ioc, in.eio, method, target, std::move(body), limit);
    }
    // A connected socket of `user` on `in`; returns its Engine.IO session id.
    std::string connect(instance& in, std::string user) {
        in.next_user = std::move(user);
        auto res = call(in, http::verb::get, "/socket.io/?EIO=4&transport=polling");
        EXPECT_TRUE(res);
        const std::string sid(json::parse(res->body().substr(1)).at("sid").as_string());
        call(in, http::verb::post, "/socket.io/?EIO=4&transport=polling&sid=" + sid, "40");
        const auto ack = poll(in, sid);
        EXPECT_EQ(ack.rfind("40{\"sid\":", 0), 0u) << ack;
        return sid;
    }
    // What the socket gets next ("" when nothing comes within `limit`).
    std::string poll(instance& in, const std::string& sid,
                     std::chrono::milliseconds limit = 2000ms) {
        auto res =
            call(in, http::verb::get, "/socket.io/?EIO=4&transport=polling&sid=" + sid, {}, limit);
        return res ? std::string(res->body()) : std::string();
    }
    // Runs the io_context for `d` (Redis round trips, posted deliveries).
    void settle(std::chrono::milliseconds d = 100ms) {
        ioc.restart();
        ioc.run_for(d);
    }
};

// A sample of the hub's /metrics text (-1 when absent).
long long metric(const hub& h, std::string_view name) {
    std::string out;
    h.render_metrics(out);
    const std::string head = "\n" + std::string(name) + " ";
    const auto at = out.find(head);
    return at == std::string::npos ? -1 : std::stoll(out.substr(at + head.size()));
}

std::vector<delivery> to(std::string room, std::string_view payload) {
    return {delivery{std::move(room), json::parse(payload).as_object(), {}}};
}

TEST(realtime_hub, a_delivery_reaches_sockets_here_and_on_another_instance_once) {
    two_instances t;
    const auto on_a = t.connect(t.a, "2");
    const auto on_b = t.connect(t.b, "2");
    t.a.hub_.deliver("new-message", to("user-2", R"({"id":"m1","text":"hi"})"));
    // Here: the local path. There: instance b decodes a's publication.
    EXPECT_EQ(t.poll(t.a, on_a), R"(42["new-message",{"id":"m1","text":"hi"}])");
    EXPECT_EQ(t.poll(t.b, on_b), R"(42["new-message",{"id":"m1","text":"hi"}])");
    // a's own publication comes back to a's subscriber and is skipped (its uid): nothing more.
    t.settle(200ms);
    EXPECT_EQ(t.poll(t.a, on_a, 300ms), "");
    EXPECT_EQ(t.poll(t.b, on_b, 300ms), "");
    // senna_adapter_received_bytes_total: both subscribers got a's one publication (ADR 0014's
    // probes, also received, are empty).
    const std::string room = "user-2";
    const auto bytes = static_cast<long long>(
        encode_event_broadcast("instance-a", "/", "new-message",
                               json::parse(R"({"id":"m1","text":"hi"})").as_object(),
                               std::span<const std::string>(&room, 1), {})
            .size());
    EXPECT_EQ(metric(t.a.hub_, "senna_adapter_received_bytes_total"), bytes);
    EXPECT_EQ(metric(t.b.hub_, "senna_adapter_received_bytes_total"), bytes);
    EXPECT_GE(metric(t.b.hub_, "senna_adapter_received_messages_total"), 1);
}

TEST(realtime_hub, a_room_with_members_only_elsewhere_is_reached_through_redis) {
    two_instances t;
    const auto on_b = t.connect(t.b, "7");
    const auto on_a = t.connect(t.a, "8");
    t.a.hub_.deliver("typing", to("user-7", R"({"user_id":"8"})"));
    EXPECT_EQ(t.poll(t.b, on_b), R"(42["typing",{"user_id":"8"}])");
    EXPECT_EQ(t.poll(t.a, on_a, 300ms), ""); // user 8 is not in user-7
}

TEST(realtime_hub, the_control_channel_moves_a_users_sockets_on_every_instance) {
    two_instances t;
    const auto on_a = t.connect(t.a, "3");
    const auto on_b = t.connect(t.b, "3");
    t.redis.command(
        {"PUBLISH", "messages:events", R"({"type":"join-room","user_id":"3","room":"topic-9"})"});
    t.settle(300ms);
    t.b.hub_.deliver("new-message", to("topic-9", R"({"id":"m2"})"));
    EXPECT_EQ(t.poll(t.a, on_a), R"(42["new-message",{"id":"m2"}])");
    EXPECT_EQ(t.poll(t.b, on_b), R"(42["new-message",{"id":"m2"}])");

    t.redis.command(
        {"PUBLISH", "messages:events", R"({"type":"leave-room","user_id":"3","room":"topic-9"})"});
    t.settle(300ms);
    t.b.hub_.deliver("new-message", to("topic-9", R"({"id":"m3"})"));
    t.settle(200ms);
    EXPECT_EQ(t.poll(t.a, on_a, 300ms), "");
    EXPECT_EQ(t.poll(t.b, on_b, 300ms), "");
}

TEST(realtime_hub, what_is_not_a_message_for_it_is_refused_without_effect) {
    two_instances t;
    const auto on_a = t.connect(t.a, "4");
    EXPECT_FALSE(t.a.hub_.control("not json"));
    EXPECT_FALSE(t.a.hub_.control(R"({"type":"join-room","user_id":4})"));
    EXPECT_FALSE(t.a.hub_.control(R"({"type":"explode","user_id":"4","room":"x"})"));
    EXPECT_FALSE(t.a.hub_.remote("senna-sockets#/#user-4#", "\xc1garbage"));
    EXPECT_FALSE(t.a.hub_.remote("senna-sockets#/#user-4#", ""));
    EXPECT_TRUE(t.a.hub_.control(R"({"type":"join-room","user_id":"4","room":"topic-1"})"));
    t.settle();
    t.a.hub_.deliver("new-message", to("topic-1", R"({"id":"m4"})"));
    EXPECT_EQ(t.poll(t.a, on_a), R"(42["new-message",{"id":"m4"}])");
}

} // namespace
} // namespace senna::realtime

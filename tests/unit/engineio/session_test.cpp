// engineio::session over in-process polling requests (no sockets, one io_context run by the
// test): the handshake's body, messages both ways, a payload of several packets, and each way a
// session ends (the client's close packet, an undecodable or too large POST, a full outbox, a
// missing pong) with the reason its handler is told and what a later request gets.

#include "engineio/server.hpp"
#include "engineio/session.hpp"
#include "http/query.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <gtest/gtest.h>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace senna;
using engineio::disconnect_reason;

namespace {

// What the upper layer (Socket.IO in senna) is told.
struct recorder : engineio::session_handler {
    std::vector<std::string> messages;
    std::optional<disconnect_reason> closed;
    void on_message(std::string_view data, bool binary) override {
        messages.push_back((binary ? "b:" : "") + std::string(data));
    }
    void on_close(disconnect_reason reason) override { closed = reason; }
};

engineio::settings small_settings() {
    engineio::settings s;
    s.ping_interval = std::chrono::milliseconds(300);
    s.ping_timeout = std::chrono::milliseconds(200);
    s.max_payload = 64;
    s.outbox_limit = 3;
    return s;
}

struct harness {
    explicit harness(engineio::settings cfg = small_settings()) : eio{ws, std::move(cfg), metrics} {
        eio.on_connection = [this](const std::shared_ptr<engineio::session>& s) {
            session = s;
            s->set_handler(handler);
        };
    }

    net::asio::io_context ioc{1};
    net::timer_wheel wheel{ioc.get_executor()};
    websocket::shard_context ws{ioc, wheel};
    engineio::metrics metrics;
    engineio::server eio;
    std::shared_ptr<recorder> handler = std::make_shared<recorder>();
    std::shared_ptr<engineio::session> session;

    // One polling request, run until answered (nullopt: still held after `wait_ms`).
    std::optional<http::response> call(http::verb method, const std::string& target,
                                       std::string body = {}, int wait_ms = 200) {
        auto req = std::make_shared<http::request>(method, target, 11);
        req->body() = std::move(body);
        req->prepare_payload();
        auto out = std::make_shared<std::optional<http::response>>();
        net::asio::co_spawn(
            ioc,
            [this, req, out]() -> net::awaitable<void> {
                const auto parts = http::split_target(req->target());
                http::request_context ctx{*req, parts.path, parts.query, {}, "127.0.0.1", {}};
                *out = co_await eio.handle_request(ctx);
            },
            net::asio::detached);
        ioc.restart();
        for (int i = 0; i < wait_ms && !*out; ++i)
            ioc.run_for(std::chrono::milliseconds(1));
        return *out;
    }

    std::string open() {
        auto res = call(http::verb::get, "/socket.io/?EIO=4&transport=polling");
        EXPECT_TRUE(res);
        EXPECT_TRUE(session);
        return session ? session->id() : std::string();
    }
    std::optional<http::response> post(const std::string& sid, std::string body) {
        return call(http::verb::post, "/socket.io/?EIO=4&transport=polling&sid=" + sid,
                    std::move(body));
    }
    std::optional<http::response> poll(const std::string& sid, int wait_ms = 200) {
        return call(http::verb::get, "/socket.io/?EIO=4&transport=polling&sid=" + sid, {}, wait_ms);
    }
    // Runs the loop until the handler is told of the close (at most ~5 s of the wheel's time).
    bool run_until_closed() {
        ioc.restart();
        for (int i = 0; i < 5000 && !handler->closed; ++i)
            ioc.run_for(std::chrono::milliseconds(1));
        return handler->closed.has_value();
    }
};

const std::string unknown_sid = R"({"code":1,"message":"Session ID unknown"})";

// The request was answered, with `body`.
void expect_body(const std::optional<http::response>& res, std::string_view body) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body(), body);
}

} // namespace

TEST(engineio_session, handshake_names_the_session_and_the_settings) {
    harness h;
    auto res = h.call(http::verb::get, "/socket.io/?EIO=4&transport=polling");
    ASSERT_TRUE(res);
    ASSERT_TRUE(h.session);
    EXPECT_EQ(res->result(), http::status::ok);
    EXPECT_EQ(res->body(), "0{\"sid\":\"" + h.session->id() +
                               R"(","upgrades":["websocket"],"pingInterval":300,)"
                               R"("pingTimeout":200,"maxPayload":64})");
    EXPECT_TRUE(h.session->is_open());
    EXPECT_EQ(h.eio.session_count(), 1u);
}

TEST(engineio_session, posted_messages_reach_the_handler_and_sends_come_back_in_one_payload) {
    harness h;
    const auto sid = h.open();
    auto res = h.post(sid, "4hello\x1e"
                           "4world");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::ok);
    EXPECT_EQ(res->body(), "ok");
    EXPECT_EQ(h.handler->messages, (std::vector<std::string>{"hello", "world"}));

    EXPECT_TRUE(h.session->send(std::string("a")));
    EXPECT_TRUE(h.session->send(std::string("b")));
    res = h.poll(sid);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body(), "4a\x1e"
                           "4b");
    EXPECT_FALSE(h.handler->closed);
}

TEST(engineio_session, an_unknown_sid_is_code_1) {
    harness h;
    h.open();
    auto res = h.poll("nope");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::bad_request);
    EXPECT_EQ(res->body(), unknown_sid);
}

TEST(engineio_session, the_clients_close_packet_ends_it_as_transport_close) {
    harness h;
    const auto sid = h.open();
    expect_body(h.post(sid, "1"), "ok");
    ASSERT_TRUE(h.handler->closed);
    EXPECT_EQ(*h.handler->closed, disconnect_reason::transport_close);
    EXPECT_FALSE(h.session->is_open());
    EXPECT_EQ(h.eio.session_count(), 0u);
    expect_body(h.poll(sid), unknown_sid);
}

TEST(engineio_session, an_undecodable_post_is_a_parse_error) {
    harness h;
    const auto sid = h.open();
    auto res = h.post(sid, "x");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::bad_request);
    EXPECT_EQ(res->body(), R"({"code":3,"message":"Bad request"})");
    ASSERT_TRUE(h.handler->closed);
    EXPECT_EQ(*h.handler->closed, disconnect_reason::parse_error);
    EXPECT_TRUE(h.handler->messages.empty());
}

TEST(engineio_session, a_post_over_max_payload_is_refused_and_ends_it) {
    harness h;
    const auto sid = h.open();
    auto res = h.post(sid, "4" + std::string(64, 'x'));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::payload_too_large);
    EXPECT_EQ(res->body(), "Payload Too Large");
    ASSERT_TRUE(h.handler->closed);
    EXPECT_EQ(*h.handler->closed, disconnect_reason::transport_error);
    EXPECT_TRUE(h.handler->messages.empty());
}

TEST(engineio_session, a_full_outbox_is_a_slow_consumer) {
    harness h;
    const auto sid = h.open();
    // outbox_limit is 3: the fourth unread packet is one too many.
    EXPECT_TRUE(h.session->send(std::string("1")));
    EXPECT_TRUE(h.session->send(std::string("2")));
    EXPECT_TRUE(h.session->send(std::string("3")));
    EXPECT_FALSE(h.handler->closed);
    EXPECT_FALSE(h.session->send(std::string("4")));
    ASSERT_TRUE(h.handler->closed);
    EXPECT_EQ(*h.handler->closed, disconnect_reason::slow_consumer);
    EXPECT_FALSE(h.session->send(std::string("5")));
    expect_body(h.poll(sid), unknown_sid);
}

TEST(engineio_session, no_pong_after_a_ping_is_a_ping_timeout) {
    harness h;
    const auto sid = h.open();
    // A poll is held until the ping is due (pingInterval, 300 ms); the client never answers it.
    expect_body(h.poll(sid, 5000), "2");
    EXPECT_FALSE(h.handler->closed);
    ASSERT_TRUE(h.run_until_closed());
    EXPECT_EQ(*h.handler->closed, disconnect_reason::ping_timeout);
    expect_body(h.poll(sid), unknown_sid);
}

TEST(engineio_session, a_pong_keeps_it_open_until_the_next_ping) {
    harness h;
    const auto sid = h.open();
    expect_body(h.poll(sid, 5000), "2");
    expect_body(h.post(sid, "3"), "ok");
    // Answered: the next ping comes, the session still open (pingTimeout ran out meanwhile).
    expect_body(h.poll(sid, 5000), "2");
    EXPECT_FALSE(h.handler->closed);
    EXPECT_TRUE(h.session->is_open());
}

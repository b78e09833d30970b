// platform::http_client against the fake platform: answers, keep-alive, the pool bound, the
// deadline, limits and the stale-connection retry.

#include "fake_platform.hpp"
#include "platform/error.hpp"
#include "platform/http_client.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/json/parse.hpp>

#include <gtest/gtest.h>
#include <stdexcept>

namespace senna::platform {
namespace {

using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;
using test::clock;
using test::fake_platform;
using test::ms_since;
using test::run_async;
using test::sleep_for;

boost::json::object data() {
    return boost::json::parse(R"({"users": [{"id": 1, "username": "one"}]})").as_object();
}

http_options quick(std::chrono::milliseconds timeout = 1000ms) {
    http_options o;
    o.request_timeout = timeout;
    o.connect_timeout = 500ms;
    return o;
}

TEST(http_client, refuses_https_and_bad_urls_at_construction) {
    net::asio::io_context ioc;
    try {
        http_client c(ioc.get_executor(), "https://platform.example/");
        FAIL() << "https accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("https"), std::string::npos) << e.what();
    }
    EXPECT_THROW(http_client(ioc.get_executor(), "platform.example"), std::invalid_argument);
}

TEST(http_client, gets_status_and_body_with_host_and_headers) {
    fake_platform fake(data());
    net::asio::io_context ioc;
    http_client c(ioc.get_executor(), fake.url(), quick());
    run_async(ioc, [&]() -> net::awaitable<void> {
        header_list h{{"User-Agent", "test-agent"}};
        http_result r = co_await c.get("v1/users?ids=1", h);
        CO_ASSERT_TRUE(!r.ec);
        EXPECT_EQ(r.status, 200u);
        EXPECT_EQ(boost::json::parse(r.body).at("entries").as_array().size(), 1u);
        r = co_await c.get("nowhere", header_list());
        CO_ASSERT_TRUE(!r.ec);
        EXPECT_EQ(r.status, 404u);
    });
    auto reqs = fake.stats().at("requests").as_array();
    ASSERT_EQ(reqs.size(), 2u);
    auto& headers = reqs[0].at("headers").as_object();
    EXPECT_EQ(headers.at("user-agent").as_string(), "test-agent");
    EXPECT_EQ(headers.at("host").as_string(),
              fake.url().substr(7, fake.url().size() - 8)); // 127.0.0.1:PORT
    EXPECT_EQ(reqs[0].at("path").as_string(), "/v1/users");
}

TEST(http_client, targets_are_relative_to_the_url_prefix) {
    fake_platform fake(data());
    net::asio::io_context ioc;
    http_client c(ioc.get_executor(), fake.url() + "api", quick());
    run_async(ioc, [&]() -> net::awaitable<void> {
        http_result r = co_await c.get("v1/users?ids=1", header_list());
        CO_ASSERT_TRUE(!r.ec);
        EXPECT_EQ(r.status, 404u);
    });
    auto reqs = fake.stats().at("requests").as_array();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].at("path").as_string(), "/api/v1/users");
}

TEST(http_client, reuses_one_keep_alive_connection) {
    fake_platform fake(data());
    net::asio::io_context ioc;
    http_client c(ioc.get_executor(), fake.url(), quick());
    run_async(ioc, [&]() -> net::awaitable<void> {
        for (int i = 0; i < 5; ++i) {
            http_result r = co_await c.get("v1/users?ids=1", header_list());
            EXPECT_FALSE(r.ec);
            EXPECT_EQ(r.status, 200u);
        }
        EXPECT_EQ(c.open_connections(), 1u);
        EXPECT_EQ(c.idle_connections(), 1u);
    });
    EXPECT_EQ(fake.connection_count(), 1u);
    EXPECT_EQ(fake.request_count(), 5u);
}

TEST(http_client, does_not_reuse_a_connection_the_server_closed_while_idle) {
    fake_platform fake(data());
    net::asio::io_context ioc;
    http_client c(ioc.get_executor(), fake.url(), quick());
    run_async(ioc, [&]() -> net::awaitable<void> {
        http_result r = co_await c.get("v1/users?ids=1", header_list());
        EXPECT_FALSE(r.ec);
        fake.drop_connections();
        co_await sleep_for(50ms); // the FIN arrives
        r = co_await c.get("v1/users?ids=1", header_list());
        EXPECT_FALSE(r.ec) << r.ec.message();
        EXPECT_EQ(r.status, 200u);
    });
    EXPECT_EQ(fake.connection_count(), 2u);
    EXPECT_EQ(fake.request_count(), 2u);
}

TEST(http_client, retries_once_when_a_reused_connection_fails_before_an_answer) {
    fake_platform fake(data());
    fake.set_mode({{"failWith", "close-reused"}});
    net::asio::io_context ioc;
    http_client c(ioc.get_executor(), fake.url(), quick());
    run_async(ioc, [&]() -> net::awaitable<void> {
        http_result r = co_await c.get("v1/users?ids=1", header_list());
        EXPECT_FALSE(r.ec);
        // Reused: the server drops it on reading the request; the retry on a fresh one works.
        r = co_await c.get("v1/users?ids=1", header_list());
        EXPECT_FALSE(r.ec) << r.ec.message();
        EXPECT_EQ(r.status, 200u);
    });
    EXPECT_EQ(fake.connection_count(), 2u);
    EXPECT_EQ(fake.request_count(), 3u);
}

TEST(http_client, holds_at_most_max_connections) {
    fake_platform fake(data());
    fake.set_mode({{"delayMs", 150}});
    net::asio::io_context ioc;
    http_options o = quick(2000ms);
    o.max_connections = 2;
    http_client c(ioc.get_executor(), fake.url(), o);
    run_async(ioc, [&]() -> net::awaitable<void> {
        const auto started = clock::now();
        auto all = co_await (
            c.get("v1/users?ids=1", header_list()) && c.get("v1/users?ids=1", header_list()) &&
            c.get("v1/users?ids=1", header_list()) && c.get("v1/users?ids=1", header_list()));
        EXPECT_FALSE(std::get<0>(all).ec);
        EXPECT_FALSE(std::get<1>(all).ec);
        EXPECT_FALSE(std::get<2>(all).ec);
        EXPECT_FALSE(std::get<3>(all).ec);
        EXPECT_GE(ms_since(started), 290); // two rounds of 150 ms
        EXPECT_LE(c.open_connections(), 2u);
    });
    EXPECT_EQ(fake.connection_count(), 2u);
    EXPECT_EQ(fake.request_count(), 4u);
}

TEST(http_client, waiting_for_a_slot_counts_against_the_deadline) {
    fake_platform fake(data());
    fake.set_mode({{"delayMs", 200}});
    net::asio::io_context ioc;
    http_options o = quick(300ms);
    o.max_connections = 1;
    http_client c(ioc.get_executor(), fake.url(), o);
    run_async(ioc, [&]() -> net::awaitable<void> {
        const auto started = clock::now();
        auto both = co_await (c.get("v1/users?ids=1", header_list()) &&
                              c.get("v1/users?ids=1", header_list()));
        EXPECT_FALSE(std::get<0>(both).ec);
        EXPECT_EQ(std::get<1>(both).ec, make_error_code(error::timeout));
        EXPECT_LT(ms_since(started), 450);
    });
}

TEST(http_client, times_out_on_a_hung_platform) {
    fake_platform fake(data());
    fake.set_mode({{"failWith", "hang"}});
    net::asio::io_context ioc;
    http_client c(ioc.get_executor(), fake.url(), quick(300ms));
    run_async(ioc, [&]() -> net::awaitable<void> {
        const auto started = clock::now();
        http_result r = co_await c.get("v1/users?ids=1", header_list());
        EXPECT_EQ(r.ec, make_error_code(error::timeout));
        EXPECT_GE(ms_since(started), 290);
        EXPECT_LT(ms_since(started), 450);
        EXPECT_EQ(c.open_connections(), 0u); // a timed-out connection is never pooled
    });
}

TEST(http_client, reports_refused_connections_and_lost_ones) {
    fake_platform fake(data());
    net::asio::io_context ioc;
    http_client c(ioc.get_executor(), fake.url(), quick());
    fake.set_mode({{"failWith", "close"}});
    run_async(ioc, [&]() -> net::awaitable<void> {
        http_result r = co_await c.get("v1/users?ids=1", header_list());
        EXPECT_EQ(r.ec, make_error_code(error::connection_lost)) << r.ec.message();
    });
    fake.stop();
    run_async(ioc, [&]() -> net::awaitable<void> {
        const auto started = clock::now();
        http_result r = co_await c.get("v1/users?ids=1", header_list());
        EXPECT_EQ(r.ec, make_error_code(error::connect_failed)) << r.ec.message();
        EXPECT_LT(ms_since(started), 200);
        EXPECT_EQ(c.open_connections(), 0u);
    });
}

TEST(http_client, limits_the_body_and_refuses_header_injection) {
    fake_platform fake(data());
    net::asio::io_context ioc;
    http_options o = quick();
    o.max_body_bytes = 10;
    http_client c(ioc.get_executor(), fake.url(), o);
    run_async(ioc, [&]() -> net::awaitable<void> {
        http_result r = co_await c.get("v1/users?ids=1", header_list());
        EXPECT_EQ(r.ec, make_error_code(error::too_large)) << r.ec.message();
        header_list evil{{"X-Auth-Token", "a\r\nX-Evil: 1"}};
        r = co_await c.get("v1/session", evil);
        EXPECT_EQ(r.ec, make_error_code(error::bad_request));
    });
    EXPECT_EQ(fake.request_count(), 1u);
}

} // namespace
} // namespace senna::platform

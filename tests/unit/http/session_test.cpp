// http::run_session on one real loopback connection, in process: the server side runs on an
// io_context thread, the test writes raw bytes and reads what comes back until the server
// closes. Covers pipelined requests answered in order, keep-alive, the routing errors, and each
// limit (header, body, request time) with its exact answer.

#include "http/response.hpp"
#include "http/session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>
#include <stdexcept>
#include <string>
#include <thread>

using namespace senna;

namespace {

struct harness {
    explicit harness(http::session_settings s = {}) {
        s.access_log = false;
        routes.add(http::verb::get, "/a",
                   [](http::request_context&) -> net::awaitable<http::response> {
                       co_return http::text_response(http::status::ok, "A", "text/plain");
                   });
        routes.add(http::verb::get, "/b",
                   [](http::request_context&) -> net::awaitable<http::response> {
                       co_return http::text_response(http::status::ok, "B", "text/plain");
                   });
        routes.add(http::verb::post, "/echo",
                   [](http::request_context& ctx) -> net::awaitable<http::response> {
                       co_return http::text_response(http::status::ok, ctx.req.body(),
                                                     "text/plain");
                   });
        routes.add(http::verb::get, "/throws",
                   [](http::request_context&) -> net::awaitable<http::response> {
                       throw std::runtime_error("boom");
                       co_return http::text_response(http::status::ok, "", "text/plain");
                   });
        env.emplace(http::session_env{routes, cors, metrics, s, {}});
    }

    http::router routes;
    http::cors_policy cors{{"*"}};
    http::request_metrics metrics{{"/a", "/b", "/echo", "/throws"}};
    std::optional<http::session_env> env;

    // Connects, writes `bytes`, and returns everything the server sent until it closed.
    std::string exchange(const std::string& bytes) {
        net::asio::io_context ioc{1};
        net::tcp::acceptor acceptor{ioc, {net::asio::ip::make_address("127.0.0.1"), 0}};
        http::session_state state;
        bool ended = false;
        net::asio::co_spawn(
            ioc,
            [&]() -> net::awaitable<void> {
                auto [ec, socket] = co_await acceptor.async_accept(net::use_tuple);
                if (ec)
                    co_return;
                co_await http::run_session(http::beast::tcp_stream(std::move(socket)), *env, state);
                ended = true;
            },
            net::asio::detached);
        std::thread server([&ioc] { ioc.run(); });

        net::asio::io_context client_ctx;
        net::tcp::socket client{client_ctx};
        client.connect(acceptor.local_endpoint());
        net::asio::write(client, net::asio::buffer(bytes));
        std::string got;
        char buf[4096];
        for (;;) {
            net::error_code ec;
            const auto n = client.read_some(net::asio::buffer(buf), ec);
            got.append(buf, n);
            if (ec)
                break; // eof: the server closed
        }
        server.join();
        EXPECT_TRUE(ended);
        return got;
    }
};

std::string get(std::string_view path, bool close = false) {
    return "GET " + std::string(path) + " HTTP/1.1\r\nHost: x\r\n" +
           (close ? "Connection: close\r\n" : "") + "\r\n";
}

} // namespace

TEST(http_session, pipelined_requests_are_answered_in_order_on_one_connection) {
    harness h;
    const auto got = h.exchange(get("/b") + get("/a") + get("/b", true));
    const auto first = got.find("\r\n\r\nB");
    const auto second = got.find("\r\n\r\nA", first);
    const auto third = got.find("\r\n\r\nB", second);
    ASSERT_NE(first, std::string::npos) << got;
    ASSERT_NE(second, std::string::npos) << got;
    ASSERT_NE(third, std::string::npos) << got;
    EXPECT_EQ(got.rfind("HTTP/1.1 200 OK", 0), 0u);
    EXPECT_NE(got.find("Connection: close"), std::string::npos) << got;
}

TEST(http_session, a_post_body_reaches_the_handler) {
    harness h;
    const auto got = h.exchange(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
    EXPECT_EQ(got.rfind("HTTP/1.1 200 OK", 0), 0u) << got;
    EXPECT_TRUE(got.ends_with("\r\n\r\nhello")) << got;
}

TEST(http_session, an_unknown_path_is_404_and_a_wrong_method_405) {
    harness h;
    auto got = h.exchange(get("/nope", true));
    EXPECT_EQ(got.rfind("HTTP/1.1 404 Not Found", 0), 0u) << got;
    EXPECT_TRUE(got.ends_with(R"({"error":true,"code":"NOT_FOUND","name":"RouteNotFoundError",)"
                              R"("message":"Route not found - please check your URL and try )"
                              R"(again","status":404})"))
        << got;
    got = h.exchange("DELETE /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(got.rfind("HTTP/1.1 405 Method Not Allowed", 0), 0u) << got;
    EXPECT_NE(got.find("Allow: GET, HEAD"), std::string::npos) << got;
    EXPECT_NE(got.find(R"("message":"Method DELETE is not allowed here")"), std::string::npos)
        << got;
}

TEST(http_session, a_handler_that_throws_is_a_500_and_the_connection_goes_on) {
    harness h;
    const auto got = h.exchange(get("/throws") + get("/a", true));
    EXPECT_EQ(got.rfind("HTTP/1.1 500 Internal Server Error", 0), 0u) << got;
    EXPECT_NE(got.find(R"({"error":true,"code":"INTERNAL_ERROR","name":"Error",)"
                       R"("message":"Something went wrong","status":500})"),
              std::string::npos)
        << got;
    EXPECT_TRUE(got.ends_with("\r\n\r\nA")) << got;
}

TEST(http_session, a_body_over_the_limit_is_413_and_closes) {
    http::session_settings s;
    s.body_limit = 16;
    harness h(s);
    // The request after it is never read: the connection closes after the 413.
    const auto got = h.exchange("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n" +
                                std::string(17, 'x') + get("/a"));
    EXPECT_EQ(got.rfind("HTTP/1.1 413 Payload Too Large", 0), 0u) << got;
    EXPECT_TRUE(
        got.ends_with(R"("message":"The request body is larger than 16 bytes","status":413})"))
        << got;
    EXPECT_EQ(got.find("\r\n\r\nA"), std::string::npos) << got;
}

TEST(http_session, headers_over_the_limit_are_431) {
    http::session_settings s;
    s.header_limit = 256;
    harness h(s);
    const auto got =
        h.exchange("GET /a HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(400, 'y') + "\r\n\r\n");
    EXPECT_EQ(got.rfind("HTTP/1.1 431 Request Header Fields Too Large", 0), 0u) << got;
    EXPECT_NE(got.find(R"("code":"HEADERS_TOO_LARGE")"), std::string::npos) << got;
}

TEST(http_session, an_unparsable_request_is_400) {
    harness h;
    const auto got = h.exchange("NOT HTTP AT ALL\r\n\r\n");
    EXPECT_EQ(got.rfind("HTTP/1.1 400 Bad Request", 0), 0u) << got;
    EXPECT_NE(got.find(R"("message":"The request could not be parsed")"), std::string::npos) << got;
}

TEST(http_session, a_request_that_never_completes_is_cut_off_unanswered) {
    http::session_settings s;
    s.request_timeout = std::chrono::milliseconds(100);
    harness h(s);
    // The head never ends: the server closes without a word once request_timeout has passed.
    EXPECT_EQ(h.exchange("GET /a HTTP/1.1\r\nHost: x\r\n"), "");
}

TEST(http_session, an_idle_keep_alive_connection_is_closed) {
    http::session_settings s;
    s.idle_timeout = std::chrono::milliseconds(100);
    harness h(s);
    // Answered, then nothing more: the idle deadline closes it.
    const auto got = h.exchange(get("/a"));
    EXPECT_EQ(got.rfind("HTTP/1.1 200 OK", 0), 0u) << got;
    EXPECT_TRUE(got.ends_with("\r\n\r\nA")) << got;
}

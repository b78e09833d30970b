// The client against a real redis-server that each test starts on a free port or unix socket.

#include "net/spawn.hpp"
#include "redis/connection.hpp"
#include "support/async_test.hpp"
#include "support/redis_options.hpp"
#include "support/redis_server.hpp"

#include <array>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace senna::redis {
namespace {

using namespace std::chrono_literals;
using test::clock;
using test::ms_since;
using test::redis_server;
using test::redis_server_options;
using test::run_async;
using test::sleep_for;
using test::wait_until;

endpoint tcp_endpoint(const redis_server& s) {
    endpoint ep;
    ep.host = "127.0.0.1";
    ep.port = s.port();
    ep.password = s.password();
    return ep;
}

endpoint unix_endpoint(const redis_server& s) {
    endpoint ep;
    ep.kind = endpoint::transport::unix_socket;
    ep.path = s.socket_path();
    ep.password = s.password();
    return ep;
}

connection_options test_options() {
    return test::quick_reconnect("test");
}

// Variadic rather than an initializer_list: GCC 12 rejects a braced list inside a co_await
// expression ("array used as initializer").
template <class... Args> request make(std::string_view command, const Args&... args) {
    request r;
    r.push(command, args...);
    return r;
}

TEST(connection, set_get_over_tcp) {
    redis_server server;
    net::asio::io_context ioc;
    connection conn(ioc.get_executor(), tcp_endpoint(server), test_options());
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
        const std::string value("bin\r\nary\0value", 14);
        request r;
        r.push("SET", "greeting", value);
        r.push("GET", "greeting");
        r.push("GET", "missing");
        auto [ec, replies] = co_await conn.exec(r);
        CO_ASSERT_TRUE(!ec);
        CO_ASSERT_TRUE(replies.size() == 3);
        EXPECT_EQ(replies[0].type, reply::kind::status);
        EXPECT_EQ(replies[0].as_string(), "OK");
        EXPECT_EQ(replies[1].as_string(), value);
        EXPECT_TRUE(replies[2].is_nil());
        conn.stop();
    });
}

TEST(connection, set_get_over_unix_socket) {
    redis_server server(test::unix_socket_only());
    net::asio::io_context ioc;
    connection conn(ioc.get_executor(), unix_endpoint(server), test_options());
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
        auto [ec, replies] = co_await conn.exec(make("SET", "k", "over unix"));
        CO_ASSERT_TRUE(!ec);
        auto [ec2, got] = co_await conn.exec(make("GET", "k"));
        CO_ASSERT_TRUE(!ec2 && got.size() == 1);
        EXPECT_EQ(got[0].as_string(), "over unix");
        conn.stop();
    });
    EXPECT_EQ(server.command({"GET", "k"}), "over unix");
}

TEST(connection, pipeline_of_1000_commands_replies_in_order) {
    redis_server server;
    net::asio::io_context ioc;
    connection conn(ioc.get_executor(), tcp_endpoint(server), test_options());
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
        request r;
        for (int i = 0; i < 1000; ++i)
            r.push("INCR", "counter");
        EXPECT_EQ(r.size(), 1000u);
        auto [ec, replies] = co_await conn.exec(r);
        CO_ASSERT_TRUE(!ec);
        CO_ASSERT_TRUE(replies.size() == 1000);
        for (int i = 0; i < 1000; ++i)
            EXPECT_EQ(replies[static_cast<std::size_t>(i)].integer, i + 1);
        conn.stop();
    });
}

// A free function, not a capturing lambda: a spawned coroutine must not refer to a temporary.
net::awaitable<void> incr_caller(connection& conn, std::vector<long long>& order) {
    auto [ec, replies] = co_await conn.exec(make("INCR", "n"));
    order.push_back(ec || replies.empty() ? -1 : replies[0].integer);
}

TEST(connection, concurrent_callers_complete_in_fifo_order) {
    redis_server server;
    net::asio::io_context ioc;
    connection conn(ioc.get_executor(), tcp_endpoint(server), test_options());
    std::vector<long long> order;
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
        for (int i = 0; i < 200; ++i) {
            net::spawn(ioc.get_executor(), incr_caller(conn, order), "caller");
        }
        CO_ASSERT_TRUE(co_await wait_until([&] { return order.size() == 200; }));
        for (std::size_t i = 0; i < order.size(); ++i)
            EXPECT_EQ(order[i], static_cast<long long>(i + 1));
        conn.stop();
    });
}

TEST(connection, multi_exec_in_one_request) {
    redis_server server;
    net::asio::io_context ioc;
    connection conn(ioc.get_executor(), tcp_endpoint(server), test_options());
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
        request r;
        r.push("MULTI");
        r.push("SET", "a", "1");
        r.push("INCR", "a");
        r.push("EXEC");
        auto [ec, replies] = co_await conn.exec(r);
        CO_ASSERT_TRUE(!ec && replies.size() == 4);
        EXPECT_EQ(replies[0].as_string(), "OK");
        EXPECT_EQ(replies[1].as_string(), "QUEUED");
        EXPECT_EQ(replies[2].as_string(), "QUEUED");
        CO_ASSERT_TRUE(replies[3].is_array() && replies[3].elements.size() == 2);
        EXPECT_EQ(replies[3].elements[0].as_string(), "OK");
        EXPECT_EQ(replies[3].elements[1].integer, 2);
        conn.stop();
    });
}

TEST(connection, error_reply_does_not_break_the_connection) {
    redis_server server;
    net::asio::io_context ioc;
    stats st;
    auto opts = test_options();
    opts.metrics = &st;
    connection conn(ioc.get_executor(), tcp_endpoint(server), opts);
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
        request r;
        r.push("SET", "s", "text");
        r.push("INCR", "s");
        r.push("NOSUCHCOMMAND");
        r.push("GET", "s");
        auto [ec, replies] = co_await conn.exec(r);
        CO_ASSERT_TRUE(!ec && replies.size() == 4);
        EXPECT_TRUE(replies[1].is_error());
        EXPECT_TRUE(replies[1].is_error_code("ERR")) << replies[1].as_string();
        EXPECT_TRUE(replies[2].is_error());
        EXPECT_EQ(replies[3].as_string(), "text");
        EXPECT_TRUE(conn.connected());
        auto [ec2, again] = co_await conn.exec(make("PING"));
        CO_ASSERT_TRUE(!ec2 && again.size() == 1);
        EXPECT_EQ(again[0].as_string(), "PONG");
        conn.stop();
    });
    EXPECT_EQ(st.commands.value(), 5u);
    EXPECT_EQ(st.errors.value(), 2u);
    EXPECT_EQ(st.reconnects.value(), 0u);
    std::string text;
    render(text, st);
    EXPECT_NE(text.find("senna_redis_command_duration_seconds_count 2\n"), std::string::npos);
}

TEST(connection, auth_and_select) {
    redis_server server(test::with_password("p@ss:w0rd"));
    net::asio::io_context ioc;
    endpoint ep = tcp_endpoint(server);
    ep.db = 3;
    connection conn(ioc.get_executor(), ep, test_options());
    endpoint wrong = tcp_endpoint(server);
    wrong.password = "nope";
    connection rejected(ioc.get_executor(), wrong, test_options());
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn.start();
        rejected.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
        auto [ec, replies] = co_await conn.exec(make("CLIENT", "INFO"));
        CO_ASSERT_TRUE(!ec && replies.size() == 1);
        EXPECT_NE(replies[0].as_string().find(" db=3 "), std::string::npos)
            << replies[0].as_string();
        auto [ec2, set] = co_await conn.exec(make("SET", "where", "db3"));
        CO_ASSERT_TRUE(!ec2);

        co_await sleep_for(100ms);
        EXPECT_FALSE(rejected.connected());
        auto [ec3, none] = co_await rejected.exec(make("PING"));
        EXPECT_EQ(ec3, error::not_connected);
        EXPECT_TRUE(none.empty());
        conn.stop();
        rejected.stop();
    });
    EXPECT_EQ(server.command({"GET", "where"}, 3), "db3");
    EXPECT_EQ(server.command({"GET", "where"}, 0), "(nil)");
}

TEST(connection, evalsha_loads_the_script_when_missing) {
    redis_server server;
    net::asio::io_context ioc;
    connection conn(ioc.get_executor(), tcp_endpoint(server), test_options());
    const script concat("return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}");
    const script failing("return redis.call('INCR', KEYS[1])");
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
        // A fresh server has no scripts: the first call goes through NOSCRIPT -> SCRIPT LOAD.
        const std::array<std::string_view, 1> keys{"n"};
        const std::array<std::string_view, 1> arg{"arg"};
        auto [ec, r_owner] = co_await conn.evalsha(concat, keys, arg);
        const redis::reply& r = r_owner.front();
        CO_ASSERT_TRUE(!ec);
        CO_ASSERT_TRUE(r.is_array() && r.elements.size() == 3);
        EXPECT_EQ(r.elements[0].as_string(), "n");
        EXPECT_EQ(r.elements[1].as_string(), "arg");
        EXPECT_EQ(r.elements[2].integer, 1);

        auto [ec1, loaded] = co_await conn.exec(make("SCRIPT", "EXISTS", concat.sha1()));
        CO_ASSERT_TRUE(!ec1 && loaded.size() == 1 && loaded[0].is_array());
        EXPECT_EQ(loaded[0].elements.at(0).integer, 1);

        auto [ec2, flushed] = co_await conn.exec(make("SCRIPT", "FLUSH"));
        CO_ASSERT_TRUE(!ec2);
        const std::array<std::string_view, 1> again{"again"};
        auto [ec3, r3_owner] = co_await conn.evalsha(concat, keys, again);
        const redis::reply& r3 = r3_owner.front();
        CO_ASSERT_TRUE(!ec3 && r3.is_array() && r3.elements.size() == 3);
        EXPECT_EQ(r3.elements[1].as_string(), "again");
        EXPECT_EQ(r3.elements[2].integer, 2);

        // A script's own error is an error reply, not an error_code.
        co_await conn.exec(make("SET", "text", "x"));
        const std::array<std::string_view, 1> text_key{"text"};
        auto [ec4, r4_owner] = co_await conn.evalsha(failing, text_key);
        const redis::reply& r4 = r4_owner.front();
        EXPECT_FALSE(ec4);
        EXPECT_TRUE(r4.is_error()) << to_debug_string(r4);
        conn.stop();
    });
}

TEST(connection, a_full_redis_reloads_scripts_runs_reads_and_refuses_writes) {
    redis_server server;
    net::asio::io_context ioc;
    connection conn(ioc.get_executor(), tcp_endpoint(server), test_options());
    const script read("return redis.call('GET', KEYS[1])");
    const script write("return redis.call('SET', KEYS[1], ARGV[1])");
    server.command({"SET", "k", "v"});
    // Below what an empty Redis uses: every write that may grow memory is refused (OOM).
    server.command({"CONFIG", "SET", "maxmemory", "100000"});
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
        const std::array<std::string_view, 1> keys{"k"};
        const std::array<std::string_view, 1> arg{"w"};
        // No script is loaded: NOSCRIPT -> SCRIPT LOAD (allowed when full) -> EVALSHA. A script
        // that only reads runs; one that writes is refused before its first write.
        auto [ec, r_owner] = co_await conn.evalsha(read, keys);
        const redis::reply& r = r_owner.front();
        CO_ASSERT_TRUE(!ec);
        EXPECT_EQ(r.as_string(), "v") << to_debug_string(r);
        auto [ec2, w_owner] = co_await conn.evalsha(write, keys, arg);
        const redis::reply& w = w_owner.front();
        CO_ASSERT_TRUE(!ec2);
        EXPECT_EQ(w.error_kind(), server_error::oom) << to_debug_string(w);
        // Plain reads work; the same read inside a MULTI does not.
        request reads;
        reads.push("GET", "k");
        reads.push("MULTI");
        reads.push("GET", "k");
        reads.push("EXEC");
        auto [ec3, replies] = co_await conn.exec(reads);
        CO_ASSERT_TRUE(!ec3 && replies.size() == 4);
        EXPECT_EQ(replies[0].as_string(), "v");
        EXPECT_EQ(replies[2].error_kind(), server_error::oom) << to_debug_string(replies[2]);
        EXPECT_EQ(replies[3].error_kind(), server_error::execabort) << to_debug_string(replies[3]);
        conn.stop();
    });
    EXPECT_EQ(server.command({"GET", "k"}), "v");
}

TEST(connection, kill_fails_fast_and_reconnects_after_restart) {
    redis_server server;
    net::asio::io_context ioc;
    stats st;
    auto opts = test_options();
    opts.metrics = &st;
    connection conn(ioc.get_executor(), tcp_endpoint(server), opts);
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));

        // A blocking command stays in flight until the server dies.
        bool blpop_done = false;
        net::error_code blpop_ec;
        clock::time_point blpop_at;
        request blpop = make("BLPOP", "nothing", "0");
        conn.async_exec(blpop, [&](net::error_code ec, redis::replies) {
            blpop_done = true;
            blpop_ec = ec;
            blpop_at = clock::now();
        });
        co_await sleep_for(50ms);
        EXPECT_FALSE(blpop_done);

        auto killed = clock::now();
        server.kill();
        CO_ASSERT_TRUE(co_await wait_until([&] { return blpop_done; }, 1s));
        EXPECT_EQ(blpop_ec, error::connection_lost);
        EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(blpop_at - killed).count(),
                  100);

        auto t0 = clock::now();
        auto [ec, none] = co_await conn.exec(make("PING"));
        EXPECT_EQ(ec, error::not_connected);
        EXPECT_LT(ms_since(t0), 100);
        EXPECT_FALSE(conn.connected());

        server.restart();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
        auto [ec2, pong] = co_await conn.exec(make("PING"));
        CO_ASSERT_TRUE(!ec2 && pong.size() == 1);
        EXPECT_EQ(pong[0].as_string(), "PONG");
        conn.stop();
    });
    EXPECT_EQ(st.reconnects.value(), 1u);
}

TEST(connection, reconnects_over_unix_socket) {
    redis_server server(test::unix_socket_only());
    net::asio::io_context ioc;
    connection conn(ioc.get_executor(), unix_endpoint(server), test_options());
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
        server.kill();
        CO_ASSERT_TRUE(co_await wait_until([&] { return !conn.connected(); }, 1s));
        server.restart();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
        auto [ec, pong] = co_await conn.exec(make("PING"));
        EXPECT_FALSE(ec);
        conn.stop();
    });
}

TEST(connection, connects_when_the_server_appears_later) {
    redis_server server;
    server.kill();
    net::asio::io_context ioc;
    connection conn(ioc.get_executor(), tcp_endpoint(server), test_options());
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn.start();
        co_await sleep_for(150ms);
        EXPECT_FALSE(conn.connected());
        auto t0 = clock::now();
        auto [ec, none] = co_await conn.exec(make("PING"));
        EXPECT_EQ(ec, error::not_connected);
        EXPECT_LT(ms_since(t0), 50);
        server.restart();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
        conn.stop();
    });
}

TEST(connection, command_timeout_fails_pending_and_recovers) {
    redis_server server;
    net::asio::io_context ioc;
    auto opts = test_options();
    opts.command_timeout = 300ms;
    opts.connect_timeout = 300ms;
    connection conn(ioc.get_executor(), tcp_endpoint(server), opts);
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
        server.pause();
        auto t0 = clock::now();
        auto [ec, none] = co_await conn.exec(make("PING"));
        auto elapsed = ms_since(t0);
        EXPECT_EQ(ec, error::timeout);
        EXPECT_GE(elapsed, 290);
        EXPECT_LT(elapsed, 450);
        EXPECT_FALSE(conn.connected());
        // While the server is stopped, reconnect attempts fail at the handshake's PING.
        co_await sleep_for(400ms);
        EXPECT_FALSE(conn.connected());
        server.resume();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
        auto [ec2, pong] = co_await conn.exec(make("PING"));
        EXPECT_FALSE(ec2);
        conn.stop();
    });
}

TEST(connection, not_connected_before_start_and_never_inline) {
    redis_server server;
    net::asio::io_context ioc;
    connection conn(ioc.get_executor(), tcp_endpoint(server), test_options());
    bool called = false;
    net::error_code got;
    request ping = make("PING");
    conn.async_exec(ping, [&](net::error_code ec, redis::replies) {
        called = true;
        got = ec;
    });
    EXPECT_FALSE(called); // completions are posted, never run inside the call
    ioc.poll();
    EXPECT_TRUE(called);
    EXPECT_EQ(got, error::not_connected);
}

TEST(connection, stop_completes_pending_with_stopped) {
    redis_server server;
    net::asio::io_context ioc;
    connection conn(ioc.get_executor(), tcp_endpoint(server), test_options());
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
        bool done = false;
        net::error_code got;
        request blpop = make("BLPOP", "nothing", "0");
        conn.async_exec(blpop, [&](net::error_code ec, redis::replies) {
            done = true;
            got = ec;
        });
        co_await sleep_for(20ms);
        conn.stop();
        EXPECT_FALSE(conn.connected());
        CO_ASSERT_TRUE(co_await wait_until([&] { return done; }, 1s));
        EXPECT_EQ(got, error::stopped);
        auto [ec, none] = co_await conn.exec(make("PING"));
        EXPECT_EQ(ec, error::stopped);
    });
}

TEST(connection, destroyed_while_running_is_safe) {
    redis_server server;
    net::asio::io_context ioc;
    auto conn =
        std::make_unique<connection>(ioc.get_executor(), tcp_endpoint(server), test_options());
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn->start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn->connected(); }));
        request blpop = make("BLPOP", "nothing", "0");
        bool done = false;
        conn->async_exec(blpop, [&](net::error_code, redis::replies) { done = true; });
        co_await sleep_for(20ms);
        conn.reset(); // stop() + release; the loop winds down on its own
        CO_ASSERT_TRUE(co_await wait_until([&] { return done; }, 1s));
    });
}

TEST(connection, max_pending_bounds_the_queue) {
    redis_server server;
    net::asio::io_context ioc;
    auto opts = test_options();
    opts.max_pending = 2;
    connection conn(ioc.get_executor(), tcp_endpoint(server), opts);
    run_async(ioc, [&]() -> net::awaitable<void> {
        conn.start();
        CO_ASSERT_TRUE(co_await wait_until([&] { return conn.connected(); }));
        request three;
        for (int i = 0; i < 3; ++i)
            three.push("PING");
        auto [ec, none] = co_await conn.exec(three);
        EXPECT_EQ(ec, error::too_large);
        auto [ec2, empty] = co_await conn.exec(request());
        EXPECT_FALSE(ec2);
        EXPECT_TRUE(empty.empty());
        auto [ec3, two] = co_await conn.exec(make("PING"));
        EXPECT_FALSE(ec3);
        EXPECT_TRUE(conn.connected());
        conn.stop();
    });
}

} // namespace
} // namespace senna::redis

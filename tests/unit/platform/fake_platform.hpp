#pragma once
// The fake platform API (tests/integration/lib/fake-platform.mjs) as a child process for C++
// tests, and the helpers to run coroutines with a bound. The child gets PR_SET_PDEATHSIG and
// exits when its stdin closes; the destructor also SIGKILLs and reaps it, so nothing outlives
// a test.

#include "net/types.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <exception>
#include <gtest/gtest.h>
#include <string>
#include <sys/types.h>

// ASSERT_* returns from the function, which a coroutine cannot: this one co_returns.
#define CO_ASSERT_TRUE(cond)                                                                       \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            ADD_FAILURE() << "assertion failed: " #cond;                                           \
            co_return;                                                                             \
        }                                                                                          \
    } while (0)

namespace senna::test {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

class fake_platform {
public:
    /** Starts `node fake-platform-cli.mjs options` and reads its URL; throws if it does not
     *  come up within 10 s. */
    explicit fake_platform(const boost::json::object& options = {});
    ~fake_platform();
    fake_platform(const fake_platform&) = delete;
    fake_platform& operator=(const fake_platform&) = delete;

    /** http://127.0.0.1:PORT/ */
    const std::string& url() const noexcept { return url_; }

    /** fake.setMode(changes): e.g. {{"failWith", 500}} or {{"delayMs", 200}}. */
    void set_mode(const boost::json::object& changes);
    /** {"connections": N, "open": N, "requests": [{method, path, query, params, headers}]} */
    boost::json::object stats();
    std::size_t request_count();
    std::size_t connection_count();
    void reset();
    /** Destroys every open connection, idle keep-alive ones included. */
    void drop_connections();
    /** Closes the server and its connections, and waits for the process to exit: the port
     *  then refuses connections. */
    void stop();

private:
    boost::json::object command(const boost::json::object& cmd);
    std::string read_line(std::chrono::milliseconds limit);

    std::string url_;
    std::string pending_;
    pid_t pid_ = -1;
    int to_child_ = -1;
    int from_child_ = -1;
};

/** Runs `body()` (a coroutine) on `ioc` until it finishes, for at most `limit`, then lets
 *  posted completions run. */
template <class Body>
void run_async(net::asio::io_context& ioc, Body body, std::chrono::milliseconds limit = 10s) {
    bool done = false;
    std::exception_ptr error;
    net::asio::co_spawn(ioc, body(), [&](std::exception_ptr ep) {
        done = true;
        error = ep;
    });
    auto deadline = clock::now() + limit;
    while (!done && clock::now() < deadline) {
        if (ioc.run_one_for(deadline - clock::now()) == 0 && ioc.stopped())
            break;
    }
    EXPECT_TRUE(done) << "coroutine did not finish within " << limit.count() << " ms";
    if (error) {
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "coroutine threw: " << e.what();
        }
    }
    // Let posted completions run, and leave `ioc` ready for the next run_async.
    ioc.restart();
    ioc.poll();
    ioc.restart();
}

inline net::awaitable<void> sleep_for(std::chrono::milliseconds d) {
    net::steady_timer timer(co_await net::asio::this_coro::executor);
    timer.expires_after(d);
    co_await timer.async_wait(net::use_tuple);
}

inline long long ms_since(clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - t).count();
}

} // namespace senna::test

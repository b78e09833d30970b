#pragma once
// Running coroutines in tests (every test that awaits: redis, platform, the sessions): one
// io_context on the test thread, a bounded run so that a bug shows up as a failure instead of a
// hung suite.

#include "net/types.hpp"

#include <chrono>
#include <exception>
#include <gtest/gtest.h>

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

/** Runs `body()` (a coroutine) on `ioc` until it finishes, for at most `limit`. */
template <class Body>
void run_async(net::asio::io_context& ioc, Body body, std::chrono::milliseconds limit = 20s) {
    bool done = false;
    std::exception_ptr error;
    net::asio::co_spawn(ioc, body(), [&](std::exception_ptr ep) {
        done = true;
        error = ep;
    });
    auto deadline = clock::now() + limit;
    while (!done && clock::now() < deadline) {
        if (ioc.run_one_for(deadline - clock::now()) == 0 && ioc.stopped())
            break; // out of work: the coroutine waits for something that will never come
    }
    EXPECT_TRUE(done) << "coroutine did not finish within " << limit.count() << " ms";
    if (error) {
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "coroutine threw: " << e.what();
        }
    }
    // Let posted completions and cancelled loops run before the test's objects go away, and
    // leave `ioc` ready for the next run_async.
    ioc.restart();
    ioc.poll();
    ioc.restart();
}

/** Polls `pred` every 5 ms; false if it is still false after `limit`. */
template <class Pred>
net::awaitable<bool> wait_until(Pred pred, std::chrono::milliseconds limit = 5s) {
    net::steady_timer timer(co_await net::asio::this_coro::executor);
    auto deadline = clock::now() + limit;
    while (!pred()) {
        if (clock::now() >= deadline)
            co_return false;
        timer.expires_after(5ms);
        co_await timer.async_wait(net::use_tuple);
    }
    co_return true;
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

#pragma once
// The fake platform API (tests/integration/lib/fake-platform.mjs) as a child process for C++
// tests (and, through support/async_test.hpp, the helpers to run coroutines with a bound). The
// child gets PR_SET_PDEATHSIG and exits when its stdin closes; the destructor also SIGKILLs and
// reaps it, so nothing outlives a test.

#include "net/types.hpp"
#include "support/async_test.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <gtest/gtest.h>
#include <string>
#include <sys/types.h>

namespace senna::test {

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

} // namespace senna::test

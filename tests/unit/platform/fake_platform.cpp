#include "fake_platform.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace senna::test {

namespace {

const std::string script =
    std::string(SENNA_SOURCE_DIR) + "/tests/integration/lib/fake-platform-cli.mjs";

void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw std::runtime_error("fake platform: write to its stdin failed");
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

} // namespace

fake_platform::fake_platform(const boost::json::object& options) {
    ::signal(SIGPIPE, SIG_IGN); // a child that died must fail the test, not kill it
    int in[2];
    int out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
        throw std::runtime_error("fake platform: pipe failed");
    std::string opts = boost::json::serialize(options);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error("fake platform: fork failed");
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(1);
        ::dup2(in[0], 0);
        ::dup2(out[1], 1);
        const char* argv[] = {"node", script.c_str(), opts.c_str(), nullptr};
        ::execvp("node", const_cast<char* const*>(argv));
        ::_exit(127);
    }
    pid_ = pid;
    ::close(in[0]);
    ::close(out[1]);
    to_child_ = in[1];
    from_child_ = out[0];
    try {
        const auto v = boost::json::parse(read_line(10s));
        url_ = std::string(v.at("url").as_string());
    } catch (...) {
        stop();
        throw;
    }
}

fake_platform::~fake_platform() {
    stop();
}

void fake_platform::stop() {
    if (to_child_ >= 0) {
        ::close(to_child_); // the CLI closes the server and exits when its stdin closes
        to_child_ = -1;
    }
    if (pid_ > 0) {
        for (int i = 0; i < 200; ++i) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                break;
            }
            ::usleep(10'000);
        }
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
            }
            pid_ = -1;
        }
    }
    if (from_child_ >= 0) {
        ::close(from_child_);
        from_child_ = -1;
    }
}

std::string fake_platform::read_line(std::chrono::milliseconds limit) {
    const auto deadline = clock::now() + limit;
    for (;;) {
        const auto nl = pending_.find('\n');
        if (nl != std::string::npos) {
            std::string line = pending_.substr(0, nl);
            pending_.erase(0, nl + 1);
            return line;
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
        if (left.count() <= 0)
            throw std::runtime_error("fake platform: no answer in time");
        pollfd p{from_child_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
            continue;
        char buf[65536];
        const ssize_t n = ::read(from_child_, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw std::runtime_error("fake platform: the process exited");
        pending_.append(buf, static_cast<std::size_t>(n));
    }
}

boost::json::object fake_platform::command(const boost::json::object& cmd) {
    if (to_child_ < 0)
        throw std::runtime_error("fake platform: stopped");
    write_all(to_child_, boost::json::serialize(cmd) + "\n");
    auto v = boost::json::parse(read_line(5s));
    if (!v.is_object() || !v.as_object().contains("ok") || !v.as_object().at("ok").as_bool())
        throw std::runtime_error("fake platform: command failed: " + boost::json::serialize(v));
    return std::move(v.as_object());
}

void fake_platform::set_mode(const boost::json::object& changes) {
    boost::json::object cmd = changes;
    cmd["cmd"] = "mode";
    command(cmd);
}

boost::json::object fake_platform::stats() {
    return command({{"cmd", "stats"}});
}

std::size_t fake_platform::request_count() {
    return stats().at("requests").as_array().size();
}

std::size_t fake_platform::connection_count() {
    return static_cast<std::size_t>(stats().at("connections").to_number<std::int64_t>());
}

void fake_platform::drop_connections() {
    command({{"cmd", "drop"}});
}

void fake_platform::reset() {
    command({{"cmd", "reset"}});
}

} // namespace senna::test

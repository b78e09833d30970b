#include "app/managed_redis.hpp"

#include "net/spawn.hpp"
#include "util/log.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace senna::app {

namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

// One blocking PING over the unix socket, bounded by `timeout` (start-up only).
bool ping_once(const std::string& path, std::chrono::milliseconds timeout) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) {
        ::close(fd);
        return false;
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    bool ok = false;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        timeval tv{static_cast<time_t>(timeout.count() / 1000),
                   static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        const char ping[] = "PING\r\n";
        if (::write(fd, ping, sizeof ping - 1) == static_cast<ssize_t>(sizeof ping - 1)) {
            char buf[16] = {};
            ssize_t n = ::read(fd, buf, sizeof buf - 1);
            ok = n >= 5 && std::strncmp(buf, "+PONG", 5) == 0;
        }
    }
    ::close(fd);
    return ok;
}

// The first number in the file at `path` (a cgroup limit, a meminfo line), if any.
std::optional<std::uint64_t> read_number(const std::string& path, std::string_view after = {}) {
    std::ifstream f(path);
    std::string line;
    while (std::getline(f, line)) {
        if (!after.empty() && !line.starts_with(after))
            continue;
        auto digit = line.find_first_of("0123456789");
        if (digit == std::string::npos)
            return std::nullopt; // "max": no limit
        return std::strtoull(line.c_str() + digit, nullptr, 10);
    }
    return std::nullopt;
}

} // namespace

std::uint64_t default_maxmemory(std::uint64_t physical, std::optional<std::uint64_t> cgroup) {
    // cgroup v1 writes "no limit" as a huge number (9223372036854771712).
    const std::uint64_t usable = cgroup && *cgroup < physical ? *cgroup : physical;
    return usable / 2;
}

std::uint64_t default_maxmemory() {
    std::uint64_t physical = 0;
    if (auto kb = read_number("/proc/meminfo", "MemTotal:"))
        physical = *kb * 1024;
    if (physical == 0)
        physical = static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                   static_cast<std::uint64_t>(::sysconf(_SC_PAGE_SIZE));
    auto cgroup = read_number("/sys/fs/cgroup/memory.max");
    if (!cgroup)
        cgroup = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    return default_maxmemory(physical, cgroup);
}

bool redis_answers(const std::string& path, std::chrono::milliseconds timeout) {
    return ping_once(path, timeout);
}

managed_redis::managed_redis(net::asio::io_context& control, managed_redis_settings s)
    : control_(control), settings_(std::move(s)), sigchld_(control, SIGCHLD) {}

managed_redis::~managed_redis() {
    stop(std::chrono::milliseconds(2000));
}

pid_t managed_redis::spawn_child() {
    std::vector<std::string> args{
        settings_.binary,
        "--port",
        "0", // no TCP: only the unix socket below
        "--unixsocket",
        settings_.socket_path,
        "--unixsocketperm",
        "700",
        "--dir",
        settings_.data_dir,
        "--appendonly",
        "yes", // acknowledged writes survive a crash of redis-server
        "--appendfsync",
        "everysec",
        "--save",
        "",
        // A full Redis refuses writes (507 STORE_FULL) and keeps serving reads; any other
        // policy would evict stored messages (docs/limits.md, "When Redis is full").
        "--maxmemory",
        std::to_string(settings_.maxmemory),
        "--maxmemory-policy",
        "noeviction",
        "--daemonize",
        "no",
        "--logfile",
        settings_.data_dir + "/redis.log",
        "--pidfile",
        "",
    };
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error(std::string("SOCK_REDIS_SERVER: fork failed: ") +
                                 std::strerror(errno));
    if (pid == 0) {
        // Child: its own process group (a terminal's Ctrl-C reaches senna, which then stops
        // Redis in order), and it dies with senna even if senna is killed with SIGKILL.
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent)
            ::_exit(1);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        int devnull = ::open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            ::dup2(devnull, STDIN_FILENO);
            ::dup2(devnull, STDOUT_FILENO);
        }
        ::execvp(argv[0], argv.data());
        std::fprintf(stderr, "senna: cannot run %s: %s\n", argv[0], std::strerror(errno));
        ::_exit(127);
    }
    started_at_ = clock::now();
    return pid;
}

bool managed_redis::wait_ready(std::chrono::milliseconds timeout) {
    auto deadline = clock::now() + timeout;
    while (clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return false;
        }
        if (ping_once(settings_.socket_path, 500ms))
            return true;
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

void managed_redis::start() {
    std::error_code ec;
    std::filesystem::create_directories(settings_.data_dir, ec);
    if (ec)
        throw std::runtime_error("SOCK_DATA_DIR: cannot create '" + settings_.data_dir +
                                 "': " + ec.message());
    if (ping_once(settings_.socket_path, 200ms))
        throw std::runtime_error("SOCK_DATA_DIR: a redis-server already serves '" +
                                 settings_.socket_path +
                                 "' (another senna with the same data dir?)");
    pid_ = spawn_child();
    if (!wait_ready(settings_.start_timeout)) {
        stop(1000ms);
        throw std::runtime_error("SOCK_REDIS_SERVER: '" + settings_.binary +
                                 "' did not start (see " + settings_.data_dir + "/redis.log)");
    }
    log::info("managed_redis_started", {{"pid", static_cast<long>(pid_)},
                                        {"socket", settings_.socket_path},
                                        {"maxmemory", settings_.maxmemory}});
}

void managed_redis::supervise() {
    sigchld_.async_wait([this](const net::error_code& ec, int) {
        if (ec)
            return;
        on_sigchld();
        if (!stopping_)
            supervise();
    });
}

void managed_redis::on_sigchld() {
    if (pid_ <= 0 || stopping_)
        return;
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r != pid_)
        return;
    pid_ = -1;
    std::string how = WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                          : "exit " + std::to_string(WEXITSTATUS(status));
    // A child that ran for a while gets a quick restart; one that keeps dying backs off.
    if (clock::now() - started_at_ > 30s)
        backoff_ = 100ms;
    log::error("managed_redis_died", {{"how", how}, {"restart_in_ms", long(backoff_.count())}});
    net::spawn(control_.get_executor(), restart_after(backoff_), "managed_redis_restart");
    backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(5000));
}

net::awaitable<void> managed_redis::restart_after(std::chrono::milliseconds delay) {
    net::steady_timer t(control_, delay);
    co_await t.async_wait(net::use_tuple);
    if (stopping_ || pid_ > 0)
        co_return;
    pid_ = spawn_child();
    log::info("managed_redis_restarted", {{"pid", static_cast<long>(pid_)}});
}

void managed_redis::stop(std::chrono::milliseconds grace) {
    stopping_ = true;
    net::error_code ec;
    sigchld_.cancel(ec);
    if (pid_ <= 0)
        return;
    ::kill(pid_, SIGTERM);
    auto deadline = clock::now() + grace;
    int status = 0;
    while (clock::now() < deadline) {
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            log::info("managed_redis_stopped", {{"pid", static_cast<long>(pid_)}});
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(10ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    log::warn("managed_redis_killed", {{"pid", static_cast<long>(pid_)}});
    pid_ = -1;
}

} // namespace senna::app

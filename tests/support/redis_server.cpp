#include "redis_server.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <sstream>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace senna::test {

namespace {

constexpr const char* redis_binary = "/usr/bin/redis-server";

// A port the kernel just handed out: free now, though another process may take it before
// redis-server binds it (the caller retries then).
std::uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find a free port");
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

std::string reply_text(const redisReply* r) {
    switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        return std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER:
        return std::to_string(r->integer);
    case REDIS_REPLY_NIL:
        return "(nil)";
    case REDIS_REPLY_ARRAY: {
        std::string out;
        for (std::size_t i = 0; i < r->elements; ++i) {
            if (i != 0)
                out += '\n';
            out += reply_text(r->element[i]);
        }
        return out;
    }
    default:
        return "(unknown)";
    }
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

pid_t spawn_logged(const std::vector<std::string>& args, const std::string& log_path) {
    std::vector<char*> argv;
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error("fork failed");
    if (pid == 0) {
        // Dies with the test process, even if that one crashes.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(1);
        int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            ::close(fd);
        }
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

redis_server::redis_server(redis_server_options opts) : opts_(std::move(opts)) {
    char tmpl[] = "/tmp/senna-redis-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr)
        throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    if (opts_.unix_socket)
        socket_path_ = dir_ + "/redis.sock";
    for (int attempt = 0; attempt < 10; ++attempt) {
        if (opts_.tcp)
            port_ = free_port();
        if (launch())
            return;
    }
    std::string log = read_file(dir_ + "/redis.log");
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    throw std::runtime_error("redis-server did not start; its log:\n" + log);
}

redis_server::~redis_server() {
    kill();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

bool redis_server::launch() {
    std::vector<std::string> args = {
        redis_binary, "--port",       std::to_string(opts_.tcp ? port_ : 0),
        "--bind",     "127.0.0.1",    "--save",
        "",           "--appendonly", "no",
        "--dir",      dir_,           "--daemonize",
        "no",         "--logfile",    ""};
    if (opts_.unix_socket) {
        args.insert(args.end(), {"--unixsocket", socket_path_, "--unixsocketperm", "700"});
    }
    if (!opts_.password.empty())
        args.insert(args.end(), {"--requirepass", opts_.password});
    args.insert(args.end(), opts_.extra_args.begin(), opts_.extra_args.end());
    pid_t pid = spawn_logged(args, dir_ + "/redis.log");
    pid_ = pid;
    if (wait_ready(std::chrono::seconds(5)))
        return true;
    kill();
    return false;
}

bool redis_server::wait_ready(std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    const std::string expect = "process_id:" + std::to_string(pid_);
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1; // exited: most likely the port was taken meanwhile
            return false;
        }
        try {
            // The process id check makes sure we reached our own server, not another
            // process that grabbed the port.
            if (command({"INFO", "server"}).find(expect) != std::string::npos)
                return true;
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

void redis_server::kill() {
    if (pid_ <= 0)
        return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
}

void redis_server::restart() {
    kill();
    if (!launch())
        throw std::runtime_error("redis-server did not restart; its log:\n" +
                                 read_file(dir_ + "/redis.log"));
}

void redis_server::pause() {
    if (pid_ > 0)
        ::kill(pid_, SIGSTOP);
}

void redis_server::resume() {
    if (pid_ > 0)
        ::kill(pid_, SIGCONT);
}

std::string redis_server::url() const {
    std::string out = "redis://";
    if (!opts_.password.empty())
        out += ":" + opts_.password + "@";
    return out + "127.0.0.1:" + std::to_string(port_);
}

std::size_t redis_server::calls(std::string_view name) const {
    const std::string stats = command({"INFO", "commandstats"});
    const std::string field = "cmdstat_" + std::string(name) + ":calls=";
    const auto at = stats.find(field);
    return at == std::string::npos ? 0 : std::stoul(stats.substr(at + field.size()));
}

std::string redis_server::command(std::initializer_list<std::string_view> args, int db) const {
    timeval tv{1, 0};
    redisContext* c = opts_.tcp ? redisConnectWithTimeout("127.0.0.1", port_, tv)
                                : redisConnectUnixWithTimeout(socket_path_.c_str(), tv);
    if (c == nullptr || c->err) {
        std::string err = c ? c->errstr : "out of memory";
        if (c)
            redisFree(c);
        throw std::runtime_error("cannot connect to redis: " + err);
    }
    redisSetTimeout(c, tv);
    auto run = [c](const std::vector<std::string_view>& argv) {
        std::vector<const char*> ptrs;
        std::vector<std::size_t> lens;
        for (auto a : argv) {
            ptrs.push_back(a.data());
            lens.push_back(a.size());
        }
        auto* r = static_cast<redisReply*>(
            redisCommandArgv(c, static_cast<int>(argv.size()), ptrs.data(), lens.data()));
        if (r == nullptr)
            throw std::runtime_error(std::string("redis command failed: ") + c->errstr);
        std::string text = reply_text(r);
        freeReplyObject(r);
        return text;
    };
    try {
        if (!opts_.password.empty())
            run({"AUTH", opts_.password});
        std::string db_text = std::to_string(db);
        if (db != 0)
            run({"SELECT", db_text});
        std::string out = run(std::vector<std::string_view>(args));
        redisFree(c);
        return out;
    } catch (...) {
        redisFree(c);
        throw;
    }
}

} // namespace senna::test

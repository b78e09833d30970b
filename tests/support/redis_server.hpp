#pragma once
// A private redis-server for one test: started on a free TCP port on 127.0.0.1 (found by
// binding port 0, retried on collision) and/or a unix socket in a fresh mkdtemp directory,
// with no persistence. The destructor kills it (SIGKILL + waitpid) and removes the directory,
// and the child gets PR_SET_PDEATHSIG, so nothing outlives the test binary.
// Throws std::runtime_error when the server cannot start: integration tests fail, never skip.

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace senna::test {

struct redis_server_options {
    bool tcp = true;
    bool unix_socket = false;
    /** Passed as --requirepass when not empty. */
    std::string password;
    /** More redis-server arguments (a cluster node's: tests/support/redis_cluster.hpp). */
    std::vector<std::string> extra_args;
};

/** A server reachable only through a unix socket. */
inline redis_server_options unix_socket_only(std::string password = {}) {
    redis_server_options o;
    o.tcp = false;
    o.unix_socket = true;
    o.password = std::move(password);
    return o;
}

/** A TCP server with --requirepass. */
inline redis_server_options with_password(std::string password) {
    redis_server_options o;
    o.password = std::move(password);
    return o;
}

/** Starts `args[0]` with `args` (a full path), its output appended to `log_path`; the child
    gets PR_SET_PDEATHSIG (SIGKILL), so it dies with the test process. */
pid_t spawn_logged(const std::vector<std::string>& args, const std::string& log_path);

class redis_server {
public:
    explicit redis_server(redis_server_options opts = {});
    ~redis_server();
    redis_server(const redis_server&) = delete;
    redis_server& operator=(const redis_server&) = delete;

    /** SIGKILL + waitpid; the port and socket path are kept for restart(). */
    void kill();
    /** Starts again on the same port / socket path and waits until it answers. */
    void restart();
    /** SIGSTOP / SIGCONT: the server keeps its sockets but stops answering. */
    void pause();
    void resume();

    bool running() const noexcept { return pid_ > 0; }
    std::uint16_t port() const noexcept { return port_; }
    const std::string& socket_path() const noexcept { return socket_path_; }
    const std::string& password() const noexcept { return opts_.password; }
    /** The server's private directory (its --dir). */
    const std::string& dir() const noexcept { return dir_; }
    /** redis://[:password@]127.0.0.1:port */
    std::string url() const;

    /**
     * Runs one command on a fresh blocking connection (hiredis, independent of the client
     * under test), after AUTH and SELECT `db`, and returns the reply as text: a status, error
     * or bulk string as is, an integer in decimal, nil as "(nil)", an array as its elements
     * joined by '\n'.
     */
    std::string command(std::initializer_list<std::string_view> args, int db = 0) const;

    /** How many times this server has run `name` (lower case, as INFO commandstats spells it). */
    std::size_t calls(std::string_view name) const;

private:
    bool launch();
    bool wait_ready(std::chrono::milliseconds limit);

    redis_server_options opts_;
    std::string dir_;
    std::string socket_path_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

} // namespace senna::test

#pragma once
// The zero-config Redis of SPEC §1: a private redis-server child with its data in
// SOCK_DATA_DIR (append-only file on), listening only on a unix socket there, restarted when it
// dies, stopped when senna exits. Runs on the control io_context (the main thread).

#include "net/types.hpp"

#include <boost/asio/signal_set.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>

namespace senna::app {

struct managed_redis_settings {
    std::string binary = "redis-server";
    std::string data_dir;    // absolute
    std::string socket_path; // absolute, inside data_dir
    std::chrono::milliseconds start_timeout{10000};
    /** maxmemory in bytes (0: none); the policy is always noeviction. */
    std::uint64_t maxmemory = 0;
};

/**
 * The default SOCK_REDIS_MAXMEMORY: half of the memory senna may use, which is the machine's
 * (`physical`) or the container's limit (`cgroup`) when that is lower. The other half is for
 * senna itself (its connections), the copy-on-write of Redis's AOF rewrite (a forked child
 * that may touch every page while Redis keeps writing) and the system.
 */
std::uint64_t default_maxmemory(std::uint64_t physical, std::optional<std::uint64_t> cgroup);

/** default_maxmemory of this machine: /proc/meminfo's MemTotal and the cgroup v2
    (memory.max) or v1 (memory.limit_in_bytes) limit of /sys/fs/cgroup. */
std::uint64_t default_maxmemory();

class managed_redis {
public:
    managed_redis(net::asio::io_context& control, managed_redis_settings s);
    ~managed_redis();
    managed_redis(const managed_redis&) = delete;
    managed_redis& operator=(const managed_redis&) = delete;

    /** Starts the child and waits (blocking) until it answers PING. Throws on failure. */
    void start();

    /** Watches for the child's death (SIGCHLD) and restarts it with backoff. */
    void supervise();

    /** SIGTERM, wait up to `grace`, then SIGKILL; reaps the child. Idempotent. */
    void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

    pid_t pid() const { return pid_; }

private:
    pid_t spawn_child();
    bool wait_ready(std::chrono::milliseconds timeout);
    void on_sigchld();
    net::awaitable<void> restart_after(std::chrono::milliseconds delay);

    net::asio::io_context& control_;
    managed_redis_settings settings_;
    net::asio::signal_set sigchld_;
    pid_t pid_ = -1;
    bool stopping_ = false;
    std::chrono::milliseconds backoff_{100};
    std::chrono::steady_clock::time_point started_at_{};
};

/** True when something answers PING on the unix socket at `path` within `timeout`. */
bool redis_answers(const std::string& path, std::chrono::milliseconds timeout);

} // namespace senna::app

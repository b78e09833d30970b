#include "redis/stats.hpp"

namespace senna::redis {

void render(std::string& out, const stats& s) {
    namespace m = util::metrics;
    m::header(out, "senna_redis_commands_total", "counter", "Redis commands completed.");
    m::sample(out, "senna_redis_commands_total", "", s.commands.value());
    m::header(out, "senna_redis_errors_total", "counter",
              "Redis commands that failed or got an error reply.");
    m::sample(out, "senna_redis_errors_total", "", s.errors.value());
    m::header(out, "senna_redis_reconnects_total", "counter", "Redis connections lost.");
    m::sample(out, "senna_redis_reconnects_total", "", s.reconnects.value());
    m::header(out, "senna_redis_error_replies_total", "counter",
              "Redis error replies by their code (OOM: full, READONLY/MASTERDOWN: failover, "
              "LOADING, BUSY, ...; ERR: anything else).");
    for (server_error e : all_server_errors)
        m::sample(out, "senna_redis_error_replies_total",
                  "code=\"" + std::string(code_of(e)) + "\"",
                  s.error_replies[static_cast<std::size_t>(e)].value());
    m::header(out, "senna_redis_replica_wait_timeouts_total", "counter",
              "Redis Cluster writes answered before a replica acknowledged them (WAIT timed out "
              "or was refused).");
    m::sample(out, "senna_redis_replica_wait_timeouts_total", "", s.replica_wait_timeouts.value());
    m::header(out, "senna_redis_command_duration_seconds", "histogram",
              "Time from queueing a Redis request to its completion.");
    s.latency.render(out, "senna_redis_command_duration_seconds", "");
}

} // namespace senna::redis

#pragma once
// Client-side Redis metrics for /metrics. Lock-free: several connections on different shards may
// share one `stats`.

#include "redis/server_error.hpp"
#include "util/metrics.hpp"

#include <array>
#include <string>

namespace senna::redis {

struct stats {
    /** Commands completed, whatever the outcome. */
    util::metrics::counter commands;
    /** Commands that failed with an error_code or got an error reply. */
    util::metrics::counter errors;
    /** Connections lost (each one starts a reconnect cycle). */
    util::metrics::counter reconnects;
    /** Redis Cluster writes answered without a replica's acknowledgement (options.hpp's
        replica_wait). */
    util::metrics::counter replica_wait_timeouts;
    /** Time from queueing a request to its completion. */
    util::metrics::histogram latency;
    /** Error replies by kind (server_error.hpp): tells "Redis is full" from a bug. */
    std::array<util::metrics::counter, std::size(all_server_errors) + 1> error_replies;

    void error_reply(server_error e) noexcept { error_replies[static_cast<std::size_t>(e)].inc(); }
};

/** Appends the Prometheus text for `s`: senna_redis_{commands,errors,reconnects}_total,
 *  senna_redis_error_replies_total{code} and senna_redis_command_duration_seconds. */
void render(std::string& out, const stats& s);

} // namespace senna::redis

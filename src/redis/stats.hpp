#pragma once
// Client-side Redis metrics for /metrics. Lock-free: several connections on different shards may
// share one `stats`.

#include "util/metrics.hpp"

#include <string>

namespace senna::redis {

struct stats {
    /** Commands completed, whatever the outcome. */
    util::metrics::counter commands;
    /** Commands that failed with an error_code or got an error reply. */
    util::metrics::counter errors;
    /** Connections lost (each one starts a reconnect cycle). */
    util::metrics::counter reconnects;
    /** Time from queueing a request to its completion. */
    util::metrics::histogram latency;
};

/** Appends the Prometheus text for `s`: senna_redis_{commands,errors,reconnects}_total and
 *  senna_redis_command_duration_seconds. */
void render(std::string& out, const stats& s);

} // namespace senna::redis

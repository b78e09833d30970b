#pragma once
// Platform API client metrics for /metrics. Lock-free: the clients of every shard may share
// one `stats`.

#include "util/metrics.hpp"

#include <string>

namespace senna::platform {

struct stats {
    /** HTTP requests sent to the platform (look-ups and session checks), whatever the outcome. */
    util::metrics::counter requests;
    /** Requests without a usable answer: no response, a status other than 2xx (401 and 403 of a
     *  session check excepted: those are answers), or a body that is not the expected JSON. */
    util::metrics::counter errors;
    /** From sending a request to its outcome. */
    util::metrics::histogram latency;
    /** Ids answered from the per-shard cache, and ids that were not (fetched or merged into a
     *  fetch in flight). */
    util::metrics::counter cache_hits;
    util::metrics::counter cache_misses;
};

/** Appends the Prometheus text for `s`: senna_platform_{requests,errors,cache_hits,
 *  cache_misses}_total and senna_platform_request_duration_seconds. */
void render(std::string& out, const stats& s);

} // namespace senna::platform

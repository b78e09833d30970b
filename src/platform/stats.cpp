#include "platform/stats.hpp"

namespace senna::platform {

void render(std::string& out, const stats& s) {
    namespace m = util::metrics;
    m::header(out, "senna_platform_requests_total", "counter",
              "Requests sent to the platform API.");
    m::sample(out, "senna_platform_requests_total", "", s.requests.value());
    m::header(out, "senna_platform_errors_total", "counter",
              "Platform API requests without a usable answer.");
    m::sample(out, "senna_platform_errors_total", "", s.errors.value());
    m::header(out, "senna_platform_request_duration_seconds", "histogram",
              "Time from sending a platform API request to its outcome.");
    s.latency.render(out, "senna_platform_request_duration_seconds", "");
    m::header(out, "senna_platform_cache_hits_total", "counter",
              "User and topic ids answered from the cache.");
    m::sample(out, "senna_platform_cache_hits_total", "", s.cache_hits.value());
    m::header(out, "senna_platform_cache_misses_total", "counter",
              "User and topic ids not in the cache.");
    m::sample(out, "senna_platform_cache_misses_total", "", s.cache_misses.value());
}

} // namespace senna::platform

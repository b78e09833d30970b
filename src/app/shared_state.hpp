#pragma once
// What every shard reads and nobody changes after start-up (or changes only through atomics:
// the metrics). Owned by app::server, outlives the shards.

#include "api/abuse_limits.hpp"
#include "auth/jwt.hpp"
#include "config/config.hpp"
#include "engineio/server.hpp"
#include "http/metrics.hpp"
#include "platform/stats.hpp"
#include "realtime/hub.hpp"
#include "redis/connection.hpp"
#include "redis/endpoint.hpp"

#include <memory>

namespace senna::app {

struct shared_state {
    config::config cfg;
    auth::verifier verifier;
    redis::endpoint redis_endpoint;
    std::unique_ptr<http::request_metrics> http_metrics;
    redis::stats redis_stats;
    platform::stats platform_stats;
    engineio::metrics eio_metrics; // open Socket.IO sessions by transport
    /** Instance-wide realtime: delivery to every shard, control channel, presence heartbeat. */
    std::unique_ptr<realtime::hub> hub;
    /** Per-instance abuse limits (docs/limits.md), shared by the shards (thread-safe). */
    std::unique_ptr<api::abuse_limits> limits;
};

} // namespace senna::app

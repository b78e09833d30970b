#pragma once
// What every shard reads and nobody changes after start-up (or changes only through atomics:
// the metrics). Owned by app::server, outlives the shards.

#include "admin/admin_ui.hpp"
#include "api/abuse_limits.hpp"
#include "api/chat_writes.hpp"
#include "api/demo_routes.hpp"
#include "auth/jwt.hpp"
#include "auth/signature.hpp"
#include "chat/keys.hpp"
#include "config/config.hpp"
#include "engineio/server.hpp"
#include "http/metrics.hpp"
#include "platform/stats.hpp"
#include "realtime/hub.hpp"
#include "realtime/moderation.hpp"
#include "realtime/recovery_store.hpp"
#include "redis/connection.hpp"
#include "redis/endpoint.hpp"
#include "redis/memory.hpp"
#include "util/metrics.hpp"
#include "webhook/dispatcher.hpp"
#include "webhook/stats.hpp"

#include <memory>
#include <optional>

namespace senna::app {

// Built with designated initialisers (server.cpp): every member has a default, so none can be
// given to the wrong one by position.
struct shared_state {
    config::config cfg;
    auth::verifier verifier;
    redis::endpoint redis_endpoint{};
    std::unique_ptr<http::request_metrics> http_metrics{};
    redis::stats redis_stats{};
    platform::stats platform_stats{};
    engineio::metrics eio_metrics{}; // open Socket.IO sessions by transport
    /** Instance-wide realtime: delivery to every shard, control channel, presence heartbeat. */
    std::unique_ptr<realtime::hub> hub{};
    /** The demo web client's routes (null: SOCK_DEMO off) and the key its tokens are signed
        with (unset: it mints none, see api/demo_routes.hpp). */
    std::unique_ptr<api::demo_services> demo{};
    std::optional<auth::signing_key> demo_signer{};
    /** Per-instance abuse limits (docs/limits.md), shared by the shards (thread-safe). */
    std::unique_ptr<api::abuse_limits> limits{};
    /** Moderation across instances (bans, revocations, mutes, kicks; realtime/moderation.hpp). */
    std::unique_ptr<realtime::moderation> moderation{};
    /** SOCK_ADMIN_SECRET's verifier (unset: no admin tokens by secret). */
    std::optional<auth::verifier> admin_verifier{};
    /** SOCK_MAX_CONNECTIONS_PER_IP's table, shared by the shards (null: no limit). */
    std::unique_ptr<engineio::address_limit> per_address{};
    /** The Socket.IO Admin UI (SOCK_ADMIN_UI; null: off). */
    std::unique_ptr<admin::admin_ui> admin_ui{};
    /** Refusals by surface and reason (senna_refusals_total). */
    util::metrics::refusals refusals{};
    /** Redis's memory against maxmemory, sampled by shard 0 (/metrics, /healthz). */
    redis::memory_gauge redis_memory{};
    /** Webhooks (docs/webhooks.md): what writes append for offline recipients, the delivery
        on shard 0, and their metrics. Null when SOCK_WEBHOOK_URL is unset. */
    std::unique_ptr<api::webhook_notices> notices{};
    std::unique_ptr<webhook::dispatcher> webhooks{};
    webhook::stats webhook_stats{};
    /** Connection state recovery's counters (realtime/recovery_store.hpp). */
    realtime::recovery_stats recovery_stats{};
};

/** The Redis key names of this deployment (SOCK_REDIS_PREFIX, SOCK_DOMAIN_HANDLE,
    SOCK_REDIS_LAYOUT). */
inline chat::keys key_space(const config::config& c) {
    return chat::keys(c.redis_prefix, c.domain,
                      c.redis_layout == "cluster" ? chat::layout::cluster : chat::layout::seed);
}

} // namespace senna::app

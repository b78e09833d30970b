#pragma once
// Webhook metrics for /metrics (docs/webhooks.md, "Metrics"). Lock-free: updated on shard 0 by
// the dispatcher and by any shard's writes (skipped recipients), read by any shard's scrape.

#include "util/metrics.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace senna::webhook {

/** How one delivery attempt ended. */
enum class outcome {
    delivered, // a 2xx answer: acknowledged
    rejected,  // another status
    timeout,   // no whole answer within SOCK_WEBHOOK_TIMEOUT_MS
    failed,    // no answer: refused, reset, TLS, name resolution
};

inline constexpr std::array<std::string_view, 5> events{
    "message.new", "message.updated", "message.deleted", "user.online", "user.offline"};
inline constexpr std::array<std::string_view, 4> outcomes{"delivered", "rejected", "timeout",
                                                          "failed"};

struct stats {
    /** Attempts by event and outcome ([event][outcome]; an unknown event counts as the first). */
    std::array<std::array<util::metrics::counter, outcomes.size()>, events.size()> attempts;
    /** Events parked in the dead-letter stream, by event. */
    std::array<util::metrics::counter, events.size()> dead_letters;
    /** Events this instance took over from an instance that stopped renewing them. */
    util::metrics::counter claimed;
    /** Topic writes whose members were too many to check (SOCK_WEBHOOK_MAX_RECIPIENTS). */
    util::metrics::counter skipped_topics;
    /** Events held by this instance waiting for their next attempt, and attempts in flight. */
    std::atomic<std::int64_t> retry_queue{0};
    std::atomic<std::int64_t> in_flight{0};
    /** One attempt, from sending to the answer. */
    util::metrics::histogram request_latency;
    /** From the event's creation (its stream id) to its acknowledged delivery. */
    util::metrics::histogram delivery_lag;

    void attempt(std::string_view event, outcome o) noexcept;
    void dead(std::string_view event) noexcept;
};

/** Appends the Prometheus text: senna_webhook_deliveries_total{event,outcome},
    senna_webhook_dead_letters_total{event}, senna_webhook_claimed_total,
    senna_webhook_topics_skipped_total, senna_webhook_retry_queue, senna_webhook_in_flight,
    senna_webhook_request_duration_seconds, senna_webhook_delivery_lag_seconds. */
void render(std::string& out, const stats& s);

} // namespace senna::webhook

#include "webhook/stats.hpp"

#include <algorithm>

namespace senna::webhook {

namespace m = util::metrics;

namespace {

std::size_t event_index(std::string_view event) {
    auto it = std::find(events.begin(), events.end(), event);
    return it == events.end() ? 0 : static_cast<std::size_t>(it - events.begin());
}

void gauge(std::string& out, std::string_view name, std::string_view help, std::int64_t v) {
    m::header(out, name, "gauge", help);
    m::sample(out, name, "", static_cast<std::uint64_t>(std::max<std::int64_t>(v, 0)));
}

} // namespace

void stats::attempt(std::string_view event, outcome o) noexcept {
    attempts[event_index(event)][static_cast<std::size_t>(o)].inc();
}

void stats::dead(std::string_view event) noexcept {
    dead_letters[event_index(event)].inc();
}

void render(std::string& out, const stats& s) {
    m::header(out, "senna_webhook_deliveries_total", "counter",
              "Webhook delivery attempts by event and outcome");
    for (std::size_t e = 0; e < events.size(); ++e)
        for (std::size_t o = 0; o < outcomes.size(); ++o)
            m::sample(out, "senna_webhook_deliveries_total",
                      "event=\"" + std::string(events[e]) + "\",outcome=\"" +
                          std::string(outcomes[o]) + "\"",
                      s.attempts[e][o].value());
    m::header(out, "senna_webhook_dead_letters_total", "counter",
              "Webhook events given up on and parked in the dead-letter stream");
    for (std::size_t e = 0; e < events.size(); ++e)
        m::sample(out, "senna_webhook_dead_letters_total",
                  "event=\"" + std::string(events[e]) + "\"", s.dead_letters[e].value());
    m::header(out, "senna_webhook_claimed_total", "counter",
              "Webhook events taken over from an instance that stopped renewing them");
    m::sample(out, "senna_webhook_claimed_total", "", s.claimed.value());
    m::header(
        out, "senna_webhook_topics_skipped_total", "counter",
        "Topic writes with more members than SOCK_WEBHOOK_MAX_RECIPIENTS (no message events)");
    m::sample(out, "senna_webhook_topics_skipped_total", "", s.skipped_topics.value());
    gauge(out, "senna_webhook_retry_queue", "Webhook events this instance holds for a retry",
          s.retry_queue.load(std::memory_order_relaxed));
    gauge(out, "senna_webhook_in_flight", "Webhook delivery attempts in flight on this instance",
          s.in_flight.load(std::memory_order_relaxed));
    m::header(out, "senna_webhook_request_duration_seconds", "histogram",
              "One webhook delivery attempt, from sending to the answer");
    s.request_latency.render(out, "senna_webhook_request_duration_seconds", "");
    m::header(out, "senna_webhook_delivery_lag_seconds", "histogram",
              "From a webhook event's creation to its acknowledged delivery");
    s.delivery_lag.render(out, "senna_webhook_delivery_lag_seconds", "");
}

} // namespace senna::webhook

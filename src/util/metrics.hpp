#pragma once
// Prometheus building blocks: counters and fixed-bucket histograms that any shard may update
// without a lock (relaxed atomics: a scrape may see a count a few microseconds stale), and the
// text exposition format to render them.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace senna::util::metrics {

class counter {
public:
    void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

/** Latency histogram in seconds, buckets from 100 µs to 10 s (Prometheus `le` bounds). */
class histogram {
public:
    static constexpr std::array<double, 14> bounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                   0.005,  0.01,    0.025,  0.05,  0.1,
                                                   0.25,   0.5,     1.0,    10.0};

    void observe_us(std::uint64_t micros) noexcept;

    /** Appends the `_bucket`, `_sum` and `_count` lines; `labels` is `a="x",b="y"` or empty. */
    void render(std::string& out, std::string_view name, std::string_view labels) const;

private:
    std::array<std::atomic<std::uint64_t>, bounds.size() + 1> buckets_{};
    std::atomic<std::uint64_t> sum_us_{0};
    std::atomic<std::uint64_t> count_{0};
};

/** Why a connection, request or event was refused (issue 17). One fixed list, so that a
    scrape shows every reason (0 until it happens) and a dashboard can alert on any of them. */
enum class refusal : std::uint8_t {
    // connections: SOCK_MAX_CONNECTIONS (at accept), SOCK_MAX_CONNECTIONS_PER_IP (at the
    // Engine.IO handshake)
    connection_limit,
    connection_limit_per_ip,
    // REST
    rest_invalid_token,
    rest_token_revoked,
    rest_user_banned,
    rest_user_muted,
    rest_rate_limited,
    rest_header_too_large,
    rest_body_too_large,
    rest_admin_unauthorized,
    // Socket.IO
    socket_invalid_token,
    socket_token_revoked,
    socket_user_banned,
    socket_session_rejected,
    socket_too_many_sockets,
    socket_rate_limited,
    socket_events_rate_limited,
    socket_flood,
    socket_too_many_topics,
    socket_user_muted,
    socket_oversize,
    socket_admin_credentials,
    count_
};

/** `senna_refusals_total{surface="rest|socket|connection",reason="..."}`: relaxed atomics. */
class refusals {
public:
    void inc(refusal r) noexcept { counters_[static_cast<std::size_t>(r)].inc(); }
    std::uint64_t value(refusal r) const noexcept {
        return counters_[static_cast<std::size_t>(r)].value();
    }
    void render(std::string& out) const;

private:
    std::array<counter, static_cast<std::size_t>(refusal::count_)> counters_{};
};

/** Counts `r` when `c` is set (the layers get a null pointer in tests and probes). */
inline void count(refusals* c, refusal r) noexcept {
    if (c)
        c->inc(r);
}

/** Appends `# HELP` and `# TYPE` lines. */
void header(std::string& out, std::string_view name, std::string_view type, std::string_view help);

/** Appends one sample line `name{labels} value`. */
void sample(std::string& out, std::string_view name, std::string_view labels, std::uint64_t value);

/** A counter without labels: its `# HELP`, `# TYPE` and one sample line. */
void counter_lines(std::string& out, std::string_view name, std::string_view help,
                   std::uint64_t value);

/** Escapes a label value (backslash, quote, newline). */
std::string escape_label(std::string_view v);

} // namespace senna::util::metrics

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

#pragma once
// Redis's memory against its limit (maxmemory), as INFO memory reports it, watched on an
// interval by one connection of each senna instance: metrics for /metrics, a "full" flag for
// /healthz, and a log line each time a threshold (80 %, 95 %, full) is crossed, never one per
// sample. Knows nothing of chat: what "full" means to clients is the edges' business.
//
// Threading: a memory_watcher lives on its connection's thread; the memory_gauge it writes is
// read from any thread (relaxed atomics, as the other metrics).

#include "net/types.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace senna::redis {

class connection;

/** One `INFO memory`: what Redis compares with maxmemory before it accepts a write. */
struct memory_sample {
    std::uint64_t used = 0;        // used_memory
    std::uint64_t not_counted = 0; // mem_not_counted_for_evict: replica and AOF buffers
    std::uint64_t max = 0;         // maxmemory; 0: no limit
    std::string policy;            // maxmemory_policy

    /** The memory Redis holds against the limit: used_memory minus what it does not count. */
    std::uint64_t counted() const noexcept { return used > not_counted ? used - not_counted : 0; }
    /** Redis refuses writes that may grow memory (OOM) now: counted memory is over the limit. */
    bool full() const noexcept { return max != 0 && counted() > max; }
    /** Counted memory in percent of the limit, rounded down; 0 without a limit. */
    unsigned percent() const noexcept;
};

/** The sample in the text of `INFO memory` (`field:value` lines); nullopt without used_memory
    or maxmemory (not an INFO reply). */
std::optional<memory_sample> parse_info_memory(std::string_view info);

/** How close to its limit Redis is. The thresholds are 80 % (high), 95 % (critical) and full
    (Redis refuses writes). */
enum class memory_level { normal = 0, high, critical, full };

std::string_view name_of(memory_level l) noexcept;

/**
 * The level after `s`, coming from `current`. Rises as soon as a threshold is reached; falls
 * only once the sample is 5 points below the threshold of the level it leaves (full: below
 * 95 %), so memory hovering at a threshold is one crossing, not one per sample. Without a limit
 * the level is normal.
 */
memory_level next_level(memory_level current, const memory_sample& s) noexcept;

/** The instance's view of Redis memory: written by the watcher, read by any thread. */
class memory_gauge {
public:
    void record(const memory_sample& s) noexcept;

    /** True once a sample arrived. */
    bool known() const noexcept { return known_.load(std::memory_order_relaxed); }
    /** Whether Redis was full (refusing writes) at the last sample. */
    bool full() const noexcept { return full_.load(std::memory_order_relaxed); }
    std::uint64_t used() const noexcept { return used_.load(std::memory_order_relaxed); }
    std::uint64_t max() const noexcept { return max_.load(std::memory_order_relaxed); }

    /** senna_redis_memory_used_bytes, senna_redis_memory_max_bytes, senna_redis_memory_full. */
    void render(std::string& out) const;

private:
    std::atomic<bool> known_{false};
    std::atomic<bool> full_{false};
    std::atomic<std::uint64_t> used_{0};
    std::atomic<std::uint64_t> max_{0};
};

/**
 * Every `interval`, `INFO memory` on `conn`: records the sample in `gauge` and logs the
 * crossings of next_level (`redis_memory_high threshold=80|95` and `redis_memory_full` as
 * warnings, one per threshold crossed even when one sample crosses several; a fall as
 * `redis_memory_lower`). The first sample is logged once (`redis_memory`), with a warning when
 * the eviction policy may evict messages (allkeys-*). Samples are skipped while the
 * connection is down.
 */
class memory_watcher {
public:
    memory_watcher(connection& conn, memory_gauge& gauge, std::chrono::milliseconds interval);
    /** Calls stop(). */
    ~memory_watcher();
    memory_watcher(const memory_watcher&) = delete;
    memory_watcher& operator=(const memory_watcher&) = delete;

    /** On the connection's thread: spawns the loop (the first sample at once). */
    void start();
    /** On the connection's thread: ends the loop (its timer is cancelled; an INFO in flight
        completes, the connection must stay alive until then or be stopped first). */
    void stop();

    struct state;

private:
    std::shared_ptr<state> state_;
};

} // namespace senna::redis

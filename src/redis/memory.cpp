#include "redis/memory.hpp"

#include "net/spawn.hpp"
#include "redis/connection.hpp"
#include "util/log.hpp"
#include "util/metrics.hpp"

#include <charconv>

namespace senna::redis {

namespace {

constexpr unsigned high_percent = 80;
constexpr unsigned critical_percent = 95;
/** A level is left only this many points below its threshold. */
constexpr unsigned hysteresis = 5;

std::optional<std::uint64_t> number(std::string_view v) {
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size() || v.empty())
        return std::nullopt;
    return n;
}

/** The percent at which `l` starts (full: the limit itself). */
unsigned threshold_of(memory_level l) {
    switch (l) {
    case memory_level::normal:
        return 0;
    case memory_level::high:
        return high_percent;
    case memory_level::critical:
        return critical_percent;
    case memory_level::full:
        return 100;
    }
    return 0;
}

/** The level a sample is at, ignoring where it came from. */
memory_level reached(const memory_sample& s) {
    if (s.full())
        return memory_level::full;
    const unsigned p = s.percent();
    if (p >= critical_percent)
        return memory_level::critical;
    if (p >= high_percent)
        return memory_level::high;
    return memory_level::normal;
}

} // namespace

unsigned memory_sample::percent() const noexcept {
    if (max == 0)
        return 0;
    return static_cast<unsigned>(100.0 * static_cast<double>(counted()) / static_cast<double>(max));
}

std::optional<memory_sample> parse_info_memory(std::string_view info) {
    memory_sample s;
    bool has_used = false, has_max = false;
    while (!info.empty()) {
        const auto eol = info.find('\n');
        std::string_view line = info.substr(0, eol);
        info = eol == std::string_view::npos ? std::string_view() : info.substr(eol + 1);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos)
            continue; // "# Memory", blank lines
        const std::string_view key = line.substr(0, colon), value = line.substr(colon + 1);
        if (key == "used_memory" || key == "maxmemory") {
            auto n = number(value);
            if (!n)
                return std::nullopt;
            if (key == "used_memory") {
                s.used = *n;
                has_used = true;
            } else {
                s.max = *n;
                has_max = true;
            }
        } else if (key == "mem_not_counted_for_evict") {
            s.not_counted = number(value).value_or(0);
        } else if (key == "maxmemory_policy") {
            s.policy = std::string(value);
        }
    }
    if (!has_used || !has_max)
        return std::nullopt;
    return s;
}

std::string_view name_of(memory_level l) noexcept {
    switch (l) {
    case memory_level::normal:
        return "normal";
    case memory_level::high:
        return "high";
    case memory_level::critical:
        return "critical";
    case memory_level::full:
        return "full";
    }
    return "normal";
}

memory_level next_level(memory_level current, const memory_sample& s) noexcept {
    const memory_level now = reached(s);
    if (now >= current || s.max == 0)
        return now;
    // Falling: stay at the highest level between `now` and `current` whose threshold the
    // sample is still within `hysteresis` points of (full counts as 100 %).
    const unsigned p = s.percent();
    for (auto l = current; l > now; l = static_cast<memory_level>(static_cast<int>(l) - 1))
        if (p + hysteresis >= threshold_of(l))
            return l;
    return now;
}

void memory_gauge::record(const memory_sample& s) noexcept {
    used_.store(s.counted(), std::memory_order_relaxed);
    max_.store(s.max, std::memory_order_relaxed);
    full_.store(s.full(), std::memory_order_relaxed);
    known_.store(true, std::memory_order_relaxed);
}

void memory_gauge::render(std::string& out) const {
    namespace m = util::metrics;
    m::header(out, "senna_redis_memory_used_bytes", "gauge",
              "Redis memory counted against maxmemory (used_memory minus replica and AOF "
              "buffers), at the last sample.");
    m::sample(out, "senna_redis_memory_used_bytes", "", used());
    m::header(out, "senna_redis_memory_max_bytes", "gauge", "Redis maxmemory (0: no limit).");
    m::sample(out, "senna_redis_memory_max_bytes", "", max());
    m::header(out, "senna_redis_memory_full", "gauge",
              "1 while Redis is over maxmemory and refuses writes (507 STORE_FULL).");
    m::sample(out, "senna_redis_memory_full", "", full() ? 1 : 0);
}

struct memory_watcher::state {
    state(connection& c, memory_gauge& g, std::chrono::milliseconds i)
        : conn(c), gauge(g), interval(i), timer(c.get_executor()) {}

    connection& conn;
    memory_gauge& gauge;
    std::chrono::milliseconds interval;
    net::steady_timer timer;
    bool started = false;
    bool stopped = false;
    bool first = true;
    bool info_failed = false; // logged once until INFO works again
    memory_level level = memory_level::normal;

    void log_first(const memory_sample& s) {
        log::info("redis_memory", {{"used", s.counted()},
                                   {"max", s.max},
                                   {"percent", s.percent()},
                                   {"policy", s.policy}});
        if (s.max != 0 && s.policy.starts_with("allkeys"))
            log::warn("redis_eviction_policy",
                      {{"policy", s.policy},
                       {"error", "Redis may evict stored messages when full: use noeviction"}});
    }

    void log_crossings(memory_level from, memory_level to, const memory_sample& s) {
        if (to < from) {
            log::info("redis_memory_lower", {{"level", name_of(to)},
                                             {"percent", s.percent()},
                                             {"used", s.counted()},
                                             {"max", s.max}});
            return;
        }
        // One line per threshold crossed, even when one sample crossed several.
        for (int l = static_cast<int>(from) + 1; l <= static_cast<int>(to); ++l) {
            const auto crossed = static_cast<memory_level>(l);
            if (crossed == memory_level::full)
                log::warn("redis_memory_full", {{"percent", s.percent()},
                                                {"used", s.counted()},
                                                {"max", s.max},
                                                {"policy", s.policy}});
            else
                log::warn("redis_memory_high", {{"threshold", threshold_of(crossed)},
                                                {"percent", s.percent()},
                                                {"used", s.counted()},
                                                {"max", s.max}});
        }
    }

    void sampled(const reply& r) {
        auto s = r.type == reply::kind::string ? parse_info_memory(r.as_string()) : std::nullopt;
        if (!s) {
            if (!info_failed)
                log::warn("redis_memory_unknown",
                          {{"error", r.is_error() ? std::string(r.as_string())
                                                  : std::string("not an INFO memory reply")}});
            info_failed = true;
            return;
        }
        info_failed = false;
        gauge.record(*s);
        if (first)
            log_first(*s);
        first = false;
        const memory_level next = next_level(level, *s);
        if (next != level)
            log_crossings(level, next, *s);
        level = next;
    }

    static net::awaitable<void> run(std::shared_ptr<state> self) {
        request info;
        info.push("INFO", "memory");
        while (!self->stopped) {
            // async_exec holds the connection's state, not the connection: safe after stop().
            auto [ec, replies] = co_await self->conn.async_exec(info, net::use_tuple);
            if (self->stopped)
                break;
            if (!ec && replies.size() == 1)
                self->sampled(replies[0]);
            self->timer.expires_after(self->interval);
            co_await self->timer.async_wait(net::use_tuple);
        }
    }
};

memory_watcher::memory_watcher(connection& conn, memory_gauge& gauge,
                               std::chrono::milliseconds interval)
    : state_(std::make_shared<state>(conn, gauge, interval)) {}

memory_watcher::~memory_watcher() {
    stop();
}

void memory_watcher::start() {
    if (state_->started || state_->stopped)
        return;
    state_->started = true;
    net::spawn(state_->conn.get_executor(), state::run(state_), "redis_memory_watcher");
}

void memory_watcher::stop() {
    state_->stopped = true;
    state_->timer.cancel();
}

} // namespace senna::redis

#include "util/rate_limit.hpp"

#include <algorithm>
#include <functional>

namespace senna::util {

using std::chrono::nanoseconds;

nanoseconds rate::interval() const noexcept {
    if (per_second == 0)
        return nanoseconds(0);
    return nanoseconds(
        std::max<std::int64_t>(1, static_cast<std::int64_t>(1'000'000'000ull / per_second)));
}

std::int64_t rate_decision::retry_after_seconds() const noexcept {
    const std::int64_t ns = retry_after.count();
    return std::max<std::int64_t>(1, (ns + 999'999'999) / 1'000'000'000);
}

rate_decision token_bucket::take(const rate& r, rate_clock::time_point now) noexcept {
    if (r.unlimited())
        return {};
    const nanoseconds t = r.interval();
    // Up to burst-1 intervals of debt may be outstanding: the burst-th take in a row fits.
    const nanoseconds tolerance = t * static_cast<std::int64_t>(r.burst - 1);
    const rate_clock::time_point tat = std::max(tat_, now);
    if (tat - now > tolerance)
        return {false, tat - tolerance - now};
    tat_ = tat + t;
    return {};
}

keyed_rate_limiter::keyed_rate_limiter(rate r, std::size_t max_keys,
                                       std::chrono::milliseconds sweep_every)
    : rate_(r), max_per_stripe_(std::max<std::size_t>(1, max_keys / stripe_count)),
      sweep_every_(sweep_every) {}

void keyed_rate_limiter::sweep(stripe& s, rate_clock::time_point now) {
    std::erase_if(s.buckets, [now](const auto& kv) { return kv.second.full(now); });
    s.sweep_at = std::max(first_sweep, 2 * s.buckets.size());
    s.last_sweep = now;
}

rate_decision keyed_rate_limiter::take(std::string_view key, rate_clock::time_point now) {
    if (rate_.unlimited())
        return {};
    stripe& s = stripes_[std::hash<std::string_view>{}(key) % stripe_count];
    std::lock_guard lock(s.mutex);
    if (s.buckets.size() >= s.sweep_at || now - s.last_sweep >= sweep_every_)
        sweep(s, now);
    auto it = s.buckets.find(std::string(key));
    if (it == s.buckets.end()) {
        if (s.buckets.size() >= max_per_stripe_) {
            token_bucket fresh; // not remembered: see the class comment
            return fresh.take(rate_, now);
        }
        it = s.buckets.emplace(std::string(key), token_bucket{}).first;
    }
    return it->second.take(rate_, now);
}

std::size_t keyed_rate_limiter::size() const {
    std::size_t n = 0;
    for (const auto& s : stripes_) {
        std::lock_guard lock(s.mutex);
        n += s.buckets.size();
    }
    return n;
}

} // namespace senna::util

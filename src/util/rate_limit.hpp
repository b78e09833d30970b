#pragma once
// Rate limiting as pure logic with the time passed in: a token bucket (`token_bucket`, one
// owner, no lock) and a thread-safe table of them by key (`keyed_rate_limiter`) whose memory
// stays bounded. Nothing here knows what is being limited; the policy lives with the caller.
//
// A bucket holds up to `burst` tokens and gains `per_second` of them each second; every
// operation takes one. It is kept in GCRA form (one "theoretical arrival time" per bucket
// instead of a token count and a timestamp): exact integer arithmetic, 8 bytes of state, and a
// bucket that is full compares equal to one never used, which is what lets the table forget it.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace senna::util {

using rate_clock = std::chrono::steady_clock;

/** A rate: `per_second` tokens a second, at most `burst` saved up. Either 0: unlimited. */
struct rate {
    std::uint64_t per_second = 0;
    std::uint64_t burst = 0;
    bool unlimited() const noexcept { return per_second == 0 || burst == 0; }
    /** Time one token takes to come back. */
    std::chrono::nanoseconds interval() const noexcept;
};

/** What a take answered: allowed, or how long until a token is there again. */
struct rate_decision {
    bool allowed = true;
    std::chrono::nanoseconds retry_after{0}; // 0 when allowed
    /** retry_after in whole seconds, rounded up, at least 1 (HTTP Retry-After). */
    std::int64_t retry_after_seconds() const noexcept;
};

class token_bucket {
public:
    /** Takes one token at `now` if there is one. Unlimited rates always allow. Time that
        runs backwards counts as no time passing. */
    rate_decision take(const rate& r, rate_clock::time_point now) noexcept;
    /** True when the bucket holds `burst` tokens at `now`: indistinguishable from a new one. */
    bool full(rate_clock::time_point now) const noexcept { return tat_ <= now; }

private:
    // The time at which the bucket will be full again; in the past: full now.
    rate_clock::time_point tat_{};
};

/**
 * One token bucket per key, all with the same rate; safe from any thread. Keys are spread over
 * 16 stripes, each a mutex and a map, so threads seldom wait for each other.
 *
 * Memory: a key whose bucket is full again is forgotten (it would answer the same as a fresh
 * one), swept whenever a stripe doubles in size or every `sweep_every` of time, whichever first;
 * so the table holds about the keys used within the last burst/per_second seconds. `max_keys` is
 * a hard bound on top: when a stripe is full of busy keys, a new key is allowed without being
 * remembered (the limit fails open for it rather than grow or refuse an innocent key).
 */
class keyed_rate_limiter {
public:
    explicit keyed_rate_limiter(rate r, std::size_t max_keys = 1u << 20,
                                std::chrono::milliseconds sweep_every = std::chrono::seconds(10));

    const rate& limit() const noexcept { return rate_; }
    rate_decision take(std::string_view key, rate_clock::time_point now);
    /** Keys remembered right now (all stripes). */
    std::size_t size() const;

private:
    static constexpr std::size_t stripe_count = 16;
    static constexpr std::size_t first_sweep = 64;
    struct stripe {
        mutable std::mutex mutex;
        std::unordered_map<std::string, token_bucket> buckets;
        std::size_t sweep_at = first_sweep;
        rate_clock::time_point last_sweep{};
    };
    void sweep(stripe& s, rate_clock::time_point now);

    rate rate_;
    std::size_t max_per_stripe_;
    std::chrono::milliseconds sweep_every_;
    std::array<stripe, stripe_count> stripes_;
};

} // namespace senna::util

#pragma once
// One timer for a whole shard: heartbeats, authentication timeouts, token expiry, ack timeouts
// and write deadlines of every connection are entries in this wheel instead of an Asio timer
// (and a pending wait operation) each. An entry is a `deadline` embedded in its owner: 48
// bytes, no allocation, O(1) to schedule and to cancel.
//
// Resolution: `tick` (1 ms by default). A deadline fires at the first tick at or after its due
// time, never before it. The wheel has `slots` buckets; an entry due further away than one
// revolution waits in its bucket and is looked at once per revolution until it is due. The
// shard's thread wakes only for ticks whose bucket holds something.
//
// Threading: a wheel and its deadlines belong to one shard; use them on its thread only.
// A callback may schedule or cancel any deadline, itself included.

#include "net/types.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace senna::net {

class timer_wheel;

class deadline {
public:
    /** What runs when the deadline is reached; `ctx` is the pointer given to schedule(). */
    using callback = void (*)(void* ctx);

    deadline() = default;
    ~deadline() { cancel(); }
    deadline(const deadline&) = delete;
    deadline& operator=(const deadline&) = delete;

    bool scheduled() const noexcept { return wheel_ != nullptr; }
    /** Removes the entry from its wheel; a no-op when it is not scheduled. */
    void cancel() noexcept;

private:
    friend class timer_wheel;
    deadline* prev_ = nullptr;
    deadline* next_ = nullptr;
    timer_wheel* wheel_ = nullptr;
    std::int64_t due_ = 0; // in ticks
    callback fn_ = nullptr;
    void* ctx_ = nullptr;
};

class timer_wheel {
public:
    using clock = std::chrono::steady_clock;

    explicit timer_wheel(executor ex, std::chrono::milliseconds tick = std::chrono::milliseconds(1),
                         std::size_t slots = 1024);
    ~timer_wheel();
    timer_wheel(const timer_wheel&) = delete;
    timer_wheel& operator=(const timer_wheel&) = delete;

    /** (Re)schedules `d` to call fn(ctx) once, `after` from now (cancelling its earlier due). */
    void schedule(deadline& d, std::chrono::milliseconds after, deadline::callback fn, void* ctx);
    void schedule_at(deadline& d, clock::time_point due, deadline::callback fn, void* ctx);

    /** Entries scheduled now. */
    std::size_t size() const noexcept { return size_; }
    /** Cancels every entry without running it (shutdown). */
    void clear() noexcept;

private:
    friend class deadline;
    void unlink(deadline& d) noexcept;
    void link(deadline& d) noexcept;
    void arm();
    void arm_at(std::int64_t tick);
    void on_tick();
    std::int64_t now_ticks() const noexcept;

    executor ex_;
    steady_timer timer_;
    std::int64_t tick_ms_;
    std::vector<deadline*> slots_; // heads of doubly linked lists
    std::int64_t next_tick_ = 0;   // the first tick not processed yet
    std::size_t size_ = 0;
    deadline* cursor_ = nullptr; // the entry on_tick looks at next (unlink moves it on)
    std::int64_t walking_ = -1;  // the tick whose bucket on_tick is walking, -1 outside it
    bool armed_ = false;
    std::int64_t armed_tick_ = 0;        // the tick the timer waits for, while armed_
    bool* alive_ = nullptr;              // lets on_tick notice that a callback destroyed the wheel
    std::shared_ptr<timer_wheel*> self_; // the timer's handler checks it: null once destroyed
};

} // namespace senna::net

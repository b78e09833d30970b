#include "net/timer_wheel.hpp"

namespace senna::net {

void deadline::cancel() noexcept {
    if (wheel_)
        wheel_->unlink(*this);
}

timer_wheel::timer_wheel(executor ex, std::chrono::milliseconds tick, std::size_t slots)
    : ex_(std::move(ex)), timer_(ex_), tick_ms_(std::max<std::int64_t>(1, tick.count())),
      slots_(std::max<std::size_t>(1, slots), nullptr),
      self_(std::make_shared<timer_wheel*>(this)) {
    next_tick_ = now_ticks();
}

timer_wheel::~timer_wheel() {
    *self_ = nullptr;
    if (alive_)
        *alive_ = false;
    clear();
    timer_.cancel();
}

std::int64_t timer_wheel::now_ticks() const noexcept {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock::now().time_since_epoch())
            .count();
    return ms / tick_ms_;
}

void timer_wheel::schedule(deadline& d, std::chrono::milliseconds after, deadline::callback fn,
                           void* ctx) {
    schedule_at(d, clock::now() + after, fn, ctx);
}

void timer_wheel::schedule_at(deadline& d, clock::time_point due, deadline::callback fn,
                              void* ctx) {
    d.cancel();
    if (size_ == 0 && walking_ < 0)
        next_tick_ = std::max(next_tick_, now_ticks()); // nothing pending: skip the idle ticks
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(due.time_since_epoch()).count();
    // The first tick at or after `due`; one already processed moves to the next one.
    std::int64_t t = (ms + tick_ms_ - 1) / tick_ms_;
    if (t < next_tick_)
        t = next_tick_;
    if (t <= walking_)
        t = walking_ + 1; // on_tick is walking this tick's bucket: take the next one
    d.due_ = t;
    d.fn_ = fn;
    d.ctx_ = ctx;
    link(d);
    if (walking_ < 0)
        arm_at(t); // on_tick arms for what is left when it is done
}

void timer_wheel::link(deadline& d) noexcept {
    auto& head = slots_[static_cast<std::size_t>(d.due_) % slots_.size()];
    d.wheel_ = this;
    d.prev_ = nullptr;
    d.next_ = head;
    if (head)
        head->prev_ = &d;
    head = &d;
    ++size_;
}

void timer_wheel::unlink(deadline& d) noexcept {
    if (cursor_ == &d)
        cursor_ = d.next_;
    if (d.prev_)
        d.prev_->next_ = d.next_;
    else
        slots_[static_cast<std::size_t>(d.due_) % slots_.size()] = d.next_;
    if (d.next_)
        d.next_->prev_ = d.prev_;
    d.prev_ = d.next_ = nullptr;
    d.wheel_ = nullptr;
    if (--size_ == 0 && armed_ && walking_ < 0) {
        // Nothing left: no wake-up, and no wait that keeps the io_context from running out.
        armed_ = false;
        timer_.cancel();
    }
}

void timer_wheel::clear() noexcept {
    for (auto& head : slots_) {
        while (head)
            unlink(*head);
    }
    // Nothing is due: the timer's wait must not keep the io_context (and shutdown) waiting.
    armed_ = false;
    timer_.cancel();
}

void timer_wheel::arm() {
    if (size_ == 0)
        return;
    // Sleep until the first bucket that holds anything (an entry of a later revolution wakes
    // its bucket's tick too, and is looked at again then).
    std::int64_t t = next_tick_;
    const auto n = static_cast<std::int64_t>(slots_.size());
    for (std::int64_t i = 0; i < n; ++i, ++t)
        if (slots_[static_cast<std::size_t>(t % n)])
            break;
    arm_at(t);
}

void timer_wheel::arm_at(std::int64_t t) {
    if (armed_ && armed_tick_ <= t)
        return;
    armed_ = true;
    armed_tick_ = t;
    // Setting the expiry cancels a wait for a later tick (its handler sees operation_aborted).
    timer_.expires_at(clock::time_point(std::chrono::milliseconds(t * tick_ms_)));
    timer_.async_wait([self = self_](net::error_code ec) {
        if (ec || !*self)
            return;
        (*self)->on_tick();
    });
}

void timer_wheel::on_tick() {
    armed_ = false;
    bool alive = true;
    alive_ = &alive;
    const std::int64_t now = now_ticks();
    while (next_tick_ <= now && size_ > 0) {
        const std::int64_t t = next_tick_;
        walking_ = t;
        cursor_ = slots_[static_cast<std::size_t>(t) % slots_.size()];
        while (cursor_) {
            deadline* e = cursor_;
            cursor_ = e->next_;
            if (e->due_ > t)
                continue; // a later revolution
            auto fn = e->fn_;
            auto* ctx = e->ctx_;
            unlink(*e);
            fn(ctx);
            if (!alive)
                return;
        }
        ++next_tick_;
    }
    walking_ = -1;
    cursor_ = nullptr;
    if (size_ == 0)
        next_tick_ = now + 1;
    alive_ = nullptr;
    arm();
}

} // namespace senna::net

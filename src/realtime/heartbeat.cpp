#include "realtime/heartbeat.hpp"

#include "net/spawn.hpp"
#include "realtime/presence.hpp"

namespace senna::realtime {

heartbeat::heartbeat(net::executor ex, presence& p, std::chrono::milliseconds interval,
                     std::chrono::milliseconds tick)
    : ex_(std::move(ex)), presence_(p), interval_(interval), tick_(tick) {}

net::awaitable<void> heartbeat::start() {
    running_.store(2);
    co_await presence_.beat();
    net::spawn(ex_, loop(), "presence_heartbeat");
    net::spawn(ex_, expiry_loop(), "presence_expiry");
}

net::awaitable<void> heartbeat::every(std::chrono::milliseconds period, net::steady_timer*& slot,
                                      net::awaitable<void> (presence::*what)()) {
    net::steady_timer timer(ex_);
    slot = &timer;
    while (!stopping_) {
        timer.expires_after(period);
        auto [ec] = co_await timer.async_wait(net::use_tuple);
        if (ec || stopping_)
            break;
        co_await (presence_.*what)();
    }
    slot = nullptr;
}

net::awaitable<void> heartbeat::expiry_loop() {
    co_await every(tick_, expiry_timer_, &presence::expire);
    running_.fetch_sub(1);
}

net::awaitable<void> heartbeat::loop() {
    co_await every(interval_, timer_, &presence::beat);
    co_await presence_.retire();
    running_.fetch_sub(1);
}

void heartbeat::stop() {
    stopping_ = true;
    if (timer_)
        timer_->cancel();
    if (expiry_timer_)
        expiry_timer_->cancel();
}

} // namespace senna::realtime

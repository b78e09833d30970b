#include "realtime/heartbeat.hpp"

#include "net/spawn.hpp"
#include "realtime/presence.hpp"

namespace senna::realtime {

heartbeat::heartbeat(net::executor ex, presence& p, std::chrono::milliseconds interval)
    : ex_(std::move(ex)), presence_(p), interval_(interval) {}

net::awaitable<void> heartbeat::start() {
    retired_.store(false);
    co_await presence_.beat();
    net::spawn(ex_, loop(), "presence_heartbeat");
}

net::awaitable<void> heartbeat::loop() {
    net::steady_timer timer(ex_);
    timer_ = &timer;
    while (!stopping_) {
        timer.expires_after(interval_);
        auto [ec] = co_await timer.async_wait(net::use_tuple);
        if (ec || stopping_)
            break;
        co_await presence_.beat();
    }
    timer_ = nullptr;
    co_await presence_.retire();
    retired_.store(true);
}

void heartbeat::stop() {
    stopping_ = true;
    if (timer_)
        timer_->cancel();
}

} // namespace senna::realtime

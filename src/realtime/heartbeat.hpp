#pragma once
// The instance's presence heartbeat (presence.hpp): every `interval`, this instance's heartbeat
// key is refreshed and the instances whose key expired are swept; on a clean stop the key is
// deleted, so other instances count this instance's users as gone at once instead of when the
// key expires. A second loop, every `tick`, makes offline the users whose grace window passed
// (presence::expire; every instance runs it, each user is taken by one).
//
// Threading: one per instance, on shard 0's executor, over that shard's presence (and so its
// Redis connection, which must stay up until retired() is true). retired() may be read from
// any thread.

#include "net/types.hpp"

#include <atomic>
#include <chrono>

namespace senna::realtime {

class presence;

class heartbeat {
public:
    heartbeat(net::executor ex, presence& p, std::chrono::milliseconds interval,
              std::chrono::milliseconds tick);
    heartbeat(const heartbeat&) = delete;
    heartbeat& operator=(const heartbeat&) = delete;

    /** On the executor, once: writes the first beat, then starts the loop. Completes when the
        first beat is written (or failed: bounded by the Redis command timeout), so that no
        socket is counted before this instance's key exists. */
    net::awaitable<void> start();
    /** On the executor: ends the loop, which then deletes the key (see retired()). The object
        must live until retired() is true. */
    void stop();
    /** From any thread: true once the stopped loop has deleted this instance's key (or tried
        to) and the expiry loop has ended; true when they never started. */
    bool retired() const noexcept { return running_.load() == 0; }

private:
    net::awaitable<void> loop();
    net::awaitable<void> expiry_loop();
    /** Runs `what` every `period` until stop(); `slot` names the timer while it waits. */
    net::awaitable<void> every(std::chrono::milliseconds period, net::steady_timer*& slot,
                               net::awaitable<void> (presence::*what)());

    net::executor ex_;
    presence& presence_;
    std::chrono::milliseconds interval_;
    std::chrono::milliseconds tick_;
    net::steady_timer* timer_ = nullptr;        // the loop's, while it waits
    net::steady_timer* expiry_timer_ = nullptr; // the expiry loop's, while it waits
    bool stopping_ = false;                     // on the executor only
    std::atomic<int> running_{0};               // loops not ended yet
};

} // namespace senna::realtime

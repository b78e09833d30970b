#pragma once
// Delivers the webhook stream (event.hpp) to SOCK_WEBHOOK_URL, once per event across every
// instance (docs/webhooks.md, "Guarantees"):
//  - every instance reads new events through one consumer group (XREADGROUP, `senna`), so each
//    event goes to one instance, which holds it (Redis's pending entries list) until it ends;
//  - an attempt is a signed POST; a 2xx answer acknowledges the event (XACK, XDEL). Otherwise it
//    is tried again after a delay doubling from SOCK_WEBHOOK_RETRY_MS up to
//    SOCK_WEBHOOK_RETRY_MAX_MS; after SOCK_WEBHOOK_MAX_ATTEMPTS it is parked in the dead-letter
//    stream (XADD there, XACK, XDEL in one transaction), counted and logged;
//  - attempts are counted in Redis (each one claims the event again: its delivery counter), and
//    the holder renews what it holds every third of SOCK_WEBHOOK_CLAIM_MS; an event left
//    unrenewed that long (its holder crashed, was SIGKILLed, or stopped) is taken over by
//    another instance (XAUTOCLAIM), which continues with the attempts left.
// Bounded: at most SOCK_WEBHOOK_CONCURRENCY events held per instance; every attempt ends by
// SOCK_WEBHOOK_TIMEOUT_MS; an answer body over 64 KiB is a failure.
//
// Threading: one per instance, on one executor (shard 0's), with its own two Redis connections
// (one blocks in XREADGROUP) and HTTP client. start() and stop() may be awaited from any
// executor; they run their part on the dispatcher's.

#include "net/types.hpp"
#include "platform/url.hpp"
#include "redis/endpoint.hpp"
#include "redis/options.hpp"
#include "webhook/event.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>

namespace senna::platform {
class http_client;
}
namespace senna::redis {
class connection;
class script;
struct reply;
} // namespace senna::redis

namespace senna::webhook {

struct stats;

struct dispatcher_settings {
    platform::base_url url; // parse_base_url(..., url_use::webhook)
    std::string secret;
    std::string stream;      // chat::keys::webhooks()
    std::string dead_stream; // chat::keys::webhooks_dead()
    std::string group = "senna";
    std::string consumer; // this instance's id
    std::chrono::milliseconds timeout{5000};
    std::size_t max_attempts = 10;
    std::chrono::milliseconds retry_base{1000};
    std::chrono::milliseconds retry_max{60000};
    std::size_t concurrency = 16;
    std::chrono::milliseconds claim_idle{30000};
    std::string ca_file;
    /** Entries the dead-letter stream keeps (older ones are trimmed). */
    std::size_t dead_max = 100000;
    std::string user_agent = "senna-webhooks";
    redis::endpoint endpoint;
    redis::connection_options redis_options;
};

class dispatcher {
public:
    /** Throws std::invalid_argument when the secret or the CA file is unusable. */
    dispatcher(net::executor ex, dispatcher_settings s, stats& st);
    ~dispatcher();
    dispatcher(const dispatcher&) = delete;
    dispatcher& operator=(const dispatcher&) = delete;

    /** Connects and starts the loops; completes at once (the connections come up by themselves). */
    net::awaitable<void> start();
    /** Stops reading and claiming, lets attempts in flight end (and be acknowledged), and
        completes once nothing of the dispatcher runs; events it still held stay pending, for
        another instance to take over after SOCK_WEBHOOK_CLAIM_MS. */
    net::awaitable<void> stop();

private:
    struct held;

    net::awaitable<void> start_on_home();
    net::awaitable<void> stop_on_home();
    net::awaitable<void> read_loop();
    net::awaitable<void> claim_loop();
    net::awaitable<void> renew_loop();
    net::awaitable<void> deliver(std::shared_ptr<held> h);
    net::awaitable<bool> ensure_group();
    /** Claims back every new entry of `entries` (a reply's list of [id, fields]). */
    void take_all(const redis::reply& entries, const std::map<std::string, std::size_t>& attempts);
    void take(stored_event e, std::size_t attempt);
    net::awaitable<bool> attempt(held& h);
    net::awaitable<void> acknowledge(const held& h);
    net::awaitable<void> park(const held& h, const std::string& why);
    /** Counts the next attempt in Redis while this instance still holds the event: its
        attempt number, or 0 when another instance took it or it is gone. */
    net::awaitable<std::size_t> claim_again(const held& h);
    net::awaitable<void> sleep(std::chrono::milliseconds d, net::steady_timer** handle = nullptr);
    void ended(const std::string& id);

    net::executor ex_;
    dispatcher_settings settings_;
    stats& stats_;
    signer sign_;
    std::unique_ptr<redis::connection> reader_; // XREADGROUP BLOCK only
    std::unique_ptr<redis::connection> writer_; // everything else
    std::unique_ptr<platform::http_client> http_;
    std::unique_ptr<redis::script> claim_own_;
    std::unique_ptr<redis::script> renew_;
    std::map<std::string, std::shared_ptr<held>> held_;
    std::set<net::steady_timer*> timers_;      // every wait, cancelled by stop
    net::steady_timer* reader_wait_ = nullptr; // the read loop waiting for a free slot
    int running_ = 0;                          // loops and deliveries not ended yet
    std::chrono::steady_clock::time_point last_failure_log_{};
    long failures_unlogged_ = 0; // failed attempts since the last one logged at info
    bool stopping_ = false;
    bool started_ = false;
};

} // namespace senna::webhook

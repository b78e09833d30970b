#include "webhook/dispatcher.hpp"

#include "net/spawn.hpp"
#include "platform/error.hpp"
#include "platform/http_client.hpp"
#include "redis/connection.hpp"
#include "redis/request.hpp"
#include "redis/script.hpp"
#include "util/log.hpp"
#include "util/time.hpp"
#include "webhook/stats.hpp"

#include <array>
#include <charconv>

namespace senna::webhook {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

namespace {

// KEYS: stream. ARGV: group, consumer, id. While `consumer` still holds the entry, claims it
// again (its delivery counter counts the attempt about to be made) and returns that count;
// -1 when another consumer holds it or it is gone.
constexpr const char* claim_own_lua = R"lua(
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #p == 0 or p[1][2] ~= ARGV[2] then return -1 end
local c = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3])
if #c == 0 then return -1 end
return p[1][4] + 1
)lua";

// KEYS: stream. ARGV: group, consumer, ids... Resets the idle time of the ids `consumer` still
// holds (JUSTID: not an attempt); returns the others (taken over, or gone).
constexpr const char* renew_lua = R"lua(
local lost = {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if #p > 0 and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
  else
    lost[#lost + 1] = ARGV[i]
  end
end
return lost
)lua";

/** The longest answer body read: receivers answer a status, their body is not used. */
constexpr std::size_t max_answer_bytes = 64 * 1024;
/** XREADGROUP waits this long for new events before asking again. */
constexpr std::chrono::milliseconds read_block{2000};
/** After a Redis failure, a loop waits this long before trying again. */
constexpr std::chrono::milliseconds redis_pause{500};

std::int64_t entry_ms(const std::string& id) {
    std::int64_t v = 0;
    std::from_chars(id.data(), id.data() + id.size(), v);
    return v;
}

/** A failed attempt in words (platform's own messages name the platform). */
std::string describe(const platform::http_result& r) {
    if (!r.ec)
        return "status " + std::to_string(r.status);
    if (r.ec.category() != platform::error_category())
        return r.ec.message();
    switch (static_cast<platform::error>(r.ec.value())) {
    case platform::error::timeout:
        return "timed out";
    case platform::error::resolve_failed:
        return "host name did not resolve";
    case platform::error::connect_failed:
        return "cannot connect";
    case platform::error::connection_lost:
        return "connection lost before an answer";
    case platform::error::too_large:
        return "answer too large";
    case platform::error::bad_response:
        return "answer is not HTTP";
    case platform::error::bad_request:
        return "request cannot be sent";
    case platform::error::tls_failed:
        return "TLS handshake failed";
    }
    return r.ec.message();
}

/** Failed attempts are logged at most this often (at info; the others at debug). */
constexpr std::chrono::seconds failure_log_every{10};

} // namespace

struct dispatcher::held {
    stored_event event;
    std::string body;
    std::size_t attempt = 1;
    net::steady_timer* timer = nullptr; // while waiting for the next attempt
    bool lost = false;                  // another instance took it over
};

dispatcher::dispatcher(net::executor ex, dispatcher_settings s, stats& st)
    : ex_(std::move(ex)), settings_(std::move(s)), stats_(st), sign_(settings_.secret),
      claim_own_(std::make_unique<redis::script>(claim_own_lua)),
      renew_(std::make_unique<redis::script>(renew_lua)) {
    if (settings_.concurrency == 0)
        settings_.concurrency = 1;
    if (settings_.max_attempts == 0)
        settings_.max_attempts = 1;
    platform::http_options ho;
    ho.connect_timeout = settings_.timeout;
    ho.request_timeout = settings_.timeout;
    ho.max_connections = settings_.concurrency;
    ho.max_body_bytes = max_answer_bytes;
    ho.ca_file = settings_.ca_file;
    http_ = std::make_unique<platform::http_client>(ex_, settings_.url, ho);
}

dispatcher::~dispatcher() = default;

net::awaitable<void> dispatcher::start() {
    co_await net::asio::co_spawn(ex_, start_on_home(), net::use_awaitable);
}

net::awaitable<void> dispatcher::stop() {
    co_await net::asio::co_spawn(ex_, stop_on_home(), net::use_awaitable);
}

net::awaitable<void> dispatcher::start_on_home() {
    if (started_)
        co_return;
    started_ = true;
    auto reader_opts = settings_.redis_options;
    reader_opts.name = "webhook-reader";
    // A read blocks on the server for read_block: its reply comes that much later, so it is
    // kept out of the Redis latency metrics (it would read as a 2 s command every 2 s).
    reader_opts.command_timeout += read_block;
    reader_opts.metrics = nullptr;
    reader_ = std::make_unique<redis::connection>(ex_, settings_.endpoint, reader_opts);
    auto writer_opts = settings_.redis_options;
    writer_opts.name = "webhook-writer";
    writer_ = std::make_unique<redis::connection>(ex_, settings_.endpoint, writer_opts);
    reader_->start();
    writer_->start();
    running_ += 3;
    net::spawn(ex_, read_loop(), "webhook_read");
    net::spawn(ex_, claim_loop(), "webhook_claim");
    net::spawn(ex_, renew_loop(), "webhook_renew");
    co_return;
}

net::awaitable<void> dispatcher::stop_on_home() {
    if (!started_ || stopping_)
        co_return;
    stopping_ = true;
    for (auto* t : timers_)
        t->cancel();
    reader_->stop(); // ends a blocked XREADGROUP
    // Attempts in flight end by SOCK_WEBHOOK_TIMEOUT_MS and are acknowledged (no duplicate for
    // an answer already received); Redis calls by the command timeout.
    net::steady_timer t(ex_);
    while (running_ > 0) {
        t.expires_after(10ms);
        co_await t.async_wait(net::use_tuple);
    }
    writer_->stop();
    http_.reset();
    reader_.reset();
    writer_.reset();
}

net::awaitable<void> dispatcher::sleep(std::chrono::milliseconds d, net::steady_timer** handle) {
    if (stopping_)
        co_return;
    net::steady_timer t(ex_);
    t.expires_after(d);
    timers_.insert(&t);
    if (handle)
        *handle = &t;
    co_await t.async_wait(net::use_tuple);
    if (handle)
        *handle = nullptr;
    timers_.erase(&t);
}

net::awaitable<bool> dispatcher::ensure_group() {
    redis::request req;
    req.push("XGROUP", "CREATE", settings_.stream, settings_.group, "0", "MKSTREAM");
    auto [ec, replies] = co_await writer_->exec(req);
    if (ec)
        co_return false;
    if (replies[0].is_error() && !replies[0].is_error_code("BUSYGROUP")) {
        log::warn("webhook_redis_failed", {{"op", "group"}, {"error", replies[0].as_string()}});
        co_return false;
    }
    co_return true;
}

net::awaitable<void> dispatcher::read_loop() {
    bool ready = false;
    while (!stopping_) {
        if (!ready) {
            ready = co_await ensure_group();
            if (!ready) {
                co_await sleep(redis_pause);
                continue;
            }
        }
        const std::size_t room =
            settings_.concurrency > held_.size() ? settings_.concurrency - held_.size() : 0;
        if (room == 0) {
            co_await sleep(1s, &reader_wait_); // woken when a delivery ends
            continue;
        }
        redis::request req;
        req.push("XREADGROUP", "GROUP", settings_.group, settings_.consumer, "COUNT", room, "BLOCK",
                 read_block.count(), "STREAMS", settings_.stream, ">");
        auto [ec, replies] = co_await reader_->exec(req);
        if (stopping_)
            break;
        if (ec) {
            co_await sleep(redis_pause);
            continue;
        }
        const redis::reply& r = replies[0];
        if (r.is_error()) {
            if (r.is_error_code("NOGROUP"))
                ready = false; // the stream was deleted: made again with the group
            else
                log::warn("webhook_redis_failed", {{"op", "read"}, {"error", r.as_string()}});
            co_await sleep(redis_pause);
            continue;
        }
        // [[stream, [[id, [field, value, ...]], ...]]] or nil when nothing came.
        for (const auto& s : r.elements)
            if (s.elements.size() == 2)
                take_all(s.elements[1], {});
    }
    --running_;
}

net::awaitable<void> dispatcher::claim_loop() {
    // Half the idle time: an event left by a crashed instance waits at most 1.5 times it.
    const auto every = std::max<std::chrono::milliseconds>(settings_.claim_idle / 2, 100ms);
    int round = 0;
    while (!stopping_) {
        co_await sleep(every);
        if (stopping_)
            break;
        std::string cursor = "0-0";
        // The pending entries list is walked from its start: held ones of live instances are
        // skipped (COUNT bounds each call's scan), up to ten calls a round.
        for (int calls = 0; calls < 10 && !stopping_; ++calls) {
            const std::size_t room =
                settings_.concurrency > held_.size() ? settings_.concurrency - held_.size() : 0;
            if (room == 0)
                break;
            redis::request req;
            req.push("XAUTOCLAIM", settings_.stream, settings_.group, settings_.consumer,
                     settings_.claim_idle.count(), cursor, "COUNT", room);
            auto [ec, replies] = co_await writer_->exec(req);
            if (ec || replies[0].is_error() || replies[0].elements.size() < 2)
                break; // no group yet (the read loop makes it), or Redis is down
            const redis::reply& claimed = replies[0].elements[1];
            cursor = std::string(replies[0].elements[0].as_string());
            if (!claimed.elements.empty()) {
                // Each claim counted a delivery: the counter is the attempt about to be made.
                redis::request counts;
                for (const auto& e : claimed.elements)
                    if (!e.elements.empty())
                        counts.push("XPENDING", settings_.stream, settings_.group,
                                    e.elements[0].as_string(), e.elements[0].as_string(), 1);
                std::map<std::string, std::size_t> attempts;
                if (!counts.empty()) {
                    auto [cec, creplies] = co_await writer_->exec(counts);
                    if (!cec)
                        for (const auto& c : creplies)
                            if (c.elements.size() == 1 && c.elements[0].elements.size() == 4)
                                attempts[std::string(c.elements[0].elements[0].as_string())] =
                                    static_cast<std::size_t>(
                                        c.elements[0].elements[3].as_integer().value_or(1));
                }
                stats_.claimed.inc(claimed.elements.size());
                log::info("webhook_claimed", {{"events", long(claimed.elements.size())}});
                take_all(claimed, attempts);
            }
            if (cursor == "0-0")
                break;
        }
        // Consumers of instances gone long ago, holding nothing, are forgotten.
        if (++round % 20 == 0) {
            redis::request req;
            req.push("XINFO", "CONSUMERS", settings_.stream, settings_.group);
            auto [ec, replies] = co_await writer_->exec(req);
            if (ec || replies[0].is_error())
                continue;
            redis::request forget;
            for (const auto& c : replies[0].elements) {
                std::string name;
                long long pending = -1, idle = 0;
                for (std::size_t i = 0; i + 1 < c.elements.size(); i += 2) {
                    const auto f = c.elements[i].as_string();
                    if (f == "name")
                        name = c.elements[i + 1].as_string();
                    else if (f == "pending")
                        pending = c.elements[i + 1].as_integer().value_or(-1);
                    else if (f == "idle")
                        idle = c.elements[i + 1].as_integer().value_or(0);
                }
                if (pending == 0 && name != settings_.consumer &&
                    idle > 10 * settings_.claim_idle.count())
                    forget.push("XGROUP", "DELCONSUMER", settings_.stream, settings_.group, name);
            }
            if (!forget.empty())
                co_await writer_->exec(forget);
        }
    }
    --running_;
}

net::awaitable<void> dispatcher::renew_loop() {
    const auto every = std::max<std::chrono::milliseconds>(settings_.claim_idle / 3, 100ms);
    while (!stopping_) {
        co_await sleep(every);
        if (stopping_ || held_.empty())
            continue;
        std::vector<std::string> args{settings_.group, settings_.consumer};
        for (const auto& [id, h] : held_)
            if (!h->lost)
                args.push_back(id);
        std::vector<std::string_view> argv(args.begin(), args.end());
        std::array<std::string_view, 1> keys{settings_.stream};
        auto [ec, r_owner] = co_await writer_->evalsha(*renew_, keys, argv);
        const redis::reply& r = r_owner.front();
        if (ec || r.is_error())
            continue; // Redis down: the events may be taken over; claim_again notices
        for (const auto& lost : r.elements) {
            auto it = held_.find(std::string(lost.as_string()));
            if (it == held_.end())
                continue;
            it->second->lost = true;
            if (it->second->timer)
                it->second->timer->cancel();
        }
    }
    --running_;
}

void dispatcher::take_all(const redis::reply& entries,
                          const std::map<std::string, std::size_t>& attempts) {
    for (const auto& e : entries.elements) {
        if (e.elements.size() != 2)
            continue; // an id whose entry is gone (XAUTOCLAIM lists those apart)
        std::string id(e.elements[0].as_string());
        if (held_.count(id))
            continue;
        std::vector<std::string_view> fields;
        for (const auto& f : e.elements[1].elements)
            fields.push_back(f.as_string());
        auto ev = from_fields(id, fields);
        if (!ev) {
            log::warn("webhook_malformed", {{"id", id}});
            redis::request req;
            req.push("XACK", settings_.stream, settings_.group, id);
            req.push("XDEL", settings_.stream, id);
            writer_->async_exec(req, [](net::error_code, const redis::replies&) {});
            continue;
        }
        auto a = attempts.find(id);
        take(std::move(*ev), a == attempts.end() ? 1 : std::max<std::size_t>(a->second, 1));
    }
}

void dispatcher::take(stored_event e, std::size_t attempt) {
    auto h = std::make_shared<held>();
    h->body = body(e);
    h->event = std::move(e);
    h->attempt = attempt;
    held_[h->event.id] = h;
    ++running_;
    net::spawn(ex_, deliver(h), "webhook_delivery");
}

void dispatcher::ended(const std::string& id) {
    held_.erase(id);
    if (reader_wait_)
        reader_wait_->cancel();
}

net::awaitable<void> dispatcher::deliver(std::shared_ptr<held> h) {
    std::string why = "attempts used up by the instance that held it before";
    for (;;) {
        if (stopping_ || h->lost)
            break;
        if (h->attempt > settings_.max_attempts) {
            co_await park(*h, why);
            break;
        }
        const bool ok = co_await attempt(*h); // never in a condition (check_pitfalls)
        if (ok) {
            co_await acknowledge(*h);
            break;
        }
        if (h->attempt >= settings_.max_attempts) {
            co_await park(*h, "failed " + std::to_string(h->attempt) + " attempts");
            break;
        }
        stats_.retry_queue.fetch_add(1, std::memory_order_relaxed);
        co_await sleep(retry_delay(h->attempt, settings_.retry_base, settings_.retry_max),
                       &h->timer);
        stats_.retry_queue.fetch_sub(1, std::memory_order_relaxed);
        if (stopping_ || h->lost)
            break;
        const std::size_t next = co_await claim_again(*h);
        if (next == 0)
            break; // taken over, acknowledged elsewhere, or Redis is down: whoever holds it goes on
        h->attempt = next;
    }
    ended(h->event.id);
    --running_;
}

net::awaitable<bool> dispatcher::attempt(held& h) {
    const auto now_s = util::now_ms() / 1000;
    platform::header_list headers{
        {"Content-Type", "application/json"},
        {"User-Agent", settings_.user_agent},
        {"X-Senna-Event", h.event.event},
        {"X-Senna-Delivery", h.event.id},
        {"X-Senna-Attempt", std::to_string(h.attempt)},
        {"X-Senna-Signature", sign_(now_s, h.body)},
    };
    stats_.in_flight.fetch_add(1, std::memory_order_relaxed);
    const auto t0 = clock::now();
    const platform::http_result r = co_await http_->post("", std::move(headers), h.body);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - t0);
    stats_.in_flight.fetch_sub(1, std::memory_order_relaxed);
    stats_.request_latency.observe_us(static_cast<std::uint64_t>(us.count()));
    outcome o = outcome::delivered;
    if (r.ec == platform::error::timeout)
        o = outcome::timeout;
    else if (r.ec)
        o = outcome::failed;
    else if (r.status < 200 || r.status > 299)
        o = outcome::rejected;
    stats_.attempt(h.event.event, o);
    if (o == outcome::delivered)
        co_return true;
    // A receiver that is down fails every event: one line per failure_log_every, with how many
    // failed since the last one (the metrics count them all).
    ++failures_unlogged_;
    const auto now = clock::now();
    const bool loud = now - last_failure_log_ >= failure_log_every;
    const auto level = loud ? log::level::info : log::level::debug;
    if (log::enabled(level))
        log::write(level, "webhook_attempt_failed",
                   {{"id", h.event.id},
                    {"event", h.event.event},
                    {"attempt", long(h.attempt)},
                    {"error", describe(r)},
                    {"failures", failures_unlogged_}});
    if (loud) {
        last_failure_log_ = now;
        failures_unlogged_ = 0;
    }
    co_return false;
}

net::awaitable<void> dispatcher::acknowledge(const held& h) {
    redis::request req;
    req.push("MULTI");
    req.push("XACK", settings_.stream, settings_.group, h.event.id);
    req.push("XDEL", settings_.stream, h.event.id);
    req.push("EXEC");
    auto [ec, replies] = co_await writer_->exec(req);
    if (ec || replies.back().is_error()) {
        // Delivered but still pending: another attempt may follow, with the same delivery id.
        log::warn("webhook_redis_failed",
                  {{"op", "ack"},
                   {"id", h.event.id},
                   {"error", ec ? ec.message() : std::string(replies.back().as_string())}});
        co_return;
    }
    const auto lag_ms = std::max<std::int64_t>(0, util::now_ms() - entry_ms(h.event.id));
    stats_.delivery_lag.observe_us(static_cast<std::uint64_t>(lag_ms) * 1000);
}

net::awaitable<void> dispatcher::park(const held& h, const std::string& why) {
    redis::request req;
    req.push("MULTI");
    std::vector<std::string> fields{"id",    h.event.id,
                                    "event", h.event.event,
                                    "user",  h.event.user,
                                    "data",  h.event.data,
                                    "seq",   h.event.seq.value_or(""),
                                    "rev",   h.event.rev.value_or("")};
    fields.insert(fields.end(), {"attempts", std::to_string(h.attempt), "error", why});
    std::vector<std::string> cmd{settings_.dead_stream, "MAXLEN", "~",
                                 std::to_string(settings_.dead_max), "*"};
    cmd.insert(cmd.end(), fields.begin(), fields.end());
    req.push_range("XADD", cmd);
    req.push("XACK", settings_.stream, settings_.group, h.event.id);
    req.push("XDEL", settings_.stream, h.event.id);
    req.push("EXEC");
    auto [ec, replies] = co_await writer_->exec(req);
    if (ec || replies.back().is_error()) {
        log::warn("webhook_redis_failed",
                  {{"op", "dead_letter"},
                   {"id", h.event.id},
                   {"error", ec ? ec.message() : std::string(replies.back().as_string())}});
        co_return; // still pending: taken over and parked again later
    }
    stats_.dead(h.event.event);
    log::warn("webhook_dead_letter", {{"id", h.event.id},
                                      {"event", h.event.event},
                                      {"user", h.event.user},
                                      {"attempts", long(h.attempt)},
                                      {"error", why}});
}

net::awaitable<std::size_t> dispatcher::claim_again(const held& h) {
    std::array<std::string_view, 1> keys{settings_.stream};
    std::array<std::string_view, 3> args{settings_.group, settings_.consumer, h.event.id};
    auto [ec, r_owner] = co_await writer_->evalsha(*claim_own_, keys, args);
    const redis::reply& r = r_owner.front();
    if (ec || r.is_error())
        co_return 0;
    const auto n = r.as_integer().value_or(-1);
    co_return n > 0 ? static_cast<std::size_t>(n) : 0;
}

} // namespace senna::webhook

#include "redis/subscriber.hpp"

#include "net/spawn.hpp"
#include "redis/error.hpp"
#include "redis/link.hpp"
#include "redis/request.hpp"
#include "redis/slot.hpp"
#include "redis/slot_map.hpp"
#include "redis/stats.hpp"
#include "util/log.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <map>
#include <set>
#include <string>

namespace senna::redis {

namespace asio = net::asio;
using namespace boost::asio::experimental::awaitable_operators;
using detail::clock;

namespace {

// subscribing: connected, SUBSCRIBE/PSUBSCRIBE + PING sent, waiting for the PONG that proves
// the server has processed them.
enum class sub_state { idle, connecting, subscribing, connected, stopped };

} // namespace

struct subscriber::impl : detail::link, std::enable_shared_from_this<impl> {
    impl(net::executor ex, endpoint ep, connection_options opts, bool sharded)
        : link(std::move(ex), std::move(ep), std::move(opts)), health_timer_(ex_),
          sharded_(sharded) {}

    net::steady_timer health_timer_;
    std::set<std::string, std::less<>> channels_;
    std::set<std::string, std::less<>> patterns_;
    handler handler_;
    lost_handler lost_;
    const bool sharded_;
    /** Sharded: SUNSUBSCRIBEs sent on this connection and not yet confirmed, per channel (a
        confirmation is not a server's own drop). */
    std::map<std::string, unsigned, std::less<>> unconfirmed_;
    sub_state state_ = sub_state::idle;
    std::size_t next_seed_ = 0;
    clock::time_point last_read_{};

    bool live() const noexcept {
        return state_ == sub_state::subscribing || state_ == sub_state::connected;
    }

    void send(std::string_view command, std::string_view arg) {
        request r;
        r.push(command, arg);
        outbox_.push(r.payload());
    }

    void add(std::set<std::string, std::less<>>& set, std::string_view name, const char* command) {
        if (set.emplace(name).second && live())
            send(command, name);
    }

    void remove(std::set<std::string, std::less<>>& set, std::string_view name,
                const char* command) {
        auto it = set.find(name);
        if (it == set.end())
            return;
        set.erase(it);
        if (live()) {
            if (sharded_)
                ++unconfirmed_[std::string(name)];
            send(command, name);
        }
    }

    // --- the link's hooks

    bool stopped() const noexcept override { return state_ == sub_state::stopped; }

    void connecting() override {
        state_ = sub_state::connecting;
        // On a Redis Cluster every node receives every PUBLISH: each attempt takes the next
        // seed, so a failed node is left for another one (ADR 0013 §8).
        if (ep_.cluster()) {
            const node_address& node = ep_.seeds[next_seed_++ % ep_.seeds.size()];
            ep_.host = node.host;
            ep_.port = node.port;
            where_ = describe(ep_.at(node));
        }
    }

    void opened() override {
        // Everything remembered goes out in one write; the PING's answer marks them done.
        request batch;
        unconfirmed_.clear();
        if (sharded_) {
            // One command per channel: channels of different slots may not share one.
            for (const auto& c : channels_)
                batch.push("SSUBSCRIBE", c);
        } else if (!channels_.empty()) {
            batch.push_range("SUBSCRIBE", channels_);
        }
        if (!patterns_.empty())
            batch.push_range("PSUBSCRIBE", patterns_);
        batch.push("PING");
        outbox_.push(batch.payload());
        state_ = sub_state::subscribing;
        last_read_ = clock::now();
    }

    net::awaitable<void> serve() override {
        co_await (read_loop() || write_loop() || health_check());
    }

    void closed() override {
        state_ = sub_state::connecting;
        if (!reason_)
            reason_ = error::connection_lost;
    }

    bool reading() const noexcept override { return live(); }
    void on_bytes() override { last_read_ = clock::now(); }

    bool on_reply(const reply& r) override {
        dispatch(r);
        return live(); // the handler may have called stop()
    }

    /** The connection is unusable: connected() turns false now, not when the loops end. */
    void fail(net::error_code ec) override {
        if (!reason_)
            reason_ = ec;
        if (live())
            state_ = sub_state::connecting;
    }

    void on_pong() {
        if (state_ != sub_state::subscribing)
            return;
        state_ = sub_state::connected;
        failures_ = 0;
        backoff_.reset();
        log::info("redis_connected", {{"name", opts_.name},
                                      {"endpoint", where_},
                                      {"channels", channels_.size()},
                                      {"patterns", patterns_.size()}});
    }

    void dispatch(const reply& r) {
        if (r.is_array() && !r.elements.empty() && r.elements[0].type == reply::kind::string) {
            const auto& e = r.elements;
            std::string_view kind = e[0].as_string();
            if (kind == "message" && e.size() == 3) {
                if (handler_)
                    handler_(e[1].as_string(), std::string_view(), e[2].as_string());
            } else if (kind == "pmessage" && e.size() == 4) {
                if (handler_)
                    handler_(e[2].as_string(), e[1].as_string(), e[3].as_string());
            } else if (kind == "smessage" && e.size() == 3) {
                if (handler_)
                    handler_(e[1].as_string(), std::string_view(), e[2].as_string());
            } else if (kind == "sunsubscribe" && e.size() == 3 && sharded_) {
                dropped(std::string(e[1].as_string()));
            } else if (kind == "pong") {
                on_pong();
            }
            // subscribe / unsubscribe confirmations carry nothing we need.
            return;
        }
        if (r.type == reply::kind::status && r.as_string() == "PONG") {
            on_pong();
        } else if (r.is_error() && sharded_ && parse_redirect(r.as_string())) {
            // SSUBSCRIBE at a node that does not serve the channel's slot (a stale map): every
            // channel of that slot is lost here.
            const auto slot = parse_redirect(r.as_string())->slot;
            std::vector<std::string> gone;
            for (const auto& c : channels_)
                if (key_slot(c) == slot)
                    gone.push_back(c);
            log::debug("redis_subscriber_moved",
                       {{"name", opts_.name}, {"endpoint", where_}, {"reply", r.as_string()}});
            for (const auto& c : gone)
                forget(c);
        } else if (r.is_error()) {
            log::warn("redis_subscriber_error",
                      {{"name", opts_.name}, {"endpoint", where_}, {"reply", r.as_string()}});
        }
    }

    /** A `sunsubscribe`: ours confirmed, or the server dropping a channel by itself. */
    void dropped(const std::string& channel) {
        if (auto it = unconfirmed_.find(channel); it != unconfirmed_.end()) {
            if (--it->second == 0)
                unconfirmed_.erase(it);
            return;
        }
        if (channels_.contains(channel)) {
            log::info("redis_channel_dropped",
                      {{"name", opts_.name}, {"endpoint", where_}, {"channel", channel}});
            forget(channel);
        }
    }

    void forget(const std::string& channel) {
        auto it = channels_.find(channel);
        if (it == channels_.end())
            return;
        // Taken out of the set, not copied: `channel` may be the set's own element.
        auto gone = channels_.extract(it);
        if (lost_)
            lost_(gone.value());
    }

    /** PING when idle; nothing at all received within command_timeout after it = dead peer. */
    net::awaitable<void> health_check() {
        const auto interval = opts_.health_check_interval;
        const auto timeout = opts_.command_timeout;
        for (;;) {
            if (interval.count() <= 0)
                health_timer_.expires_at(net::steady_timer::time_point::max());
            else
                health_timer_.expires_after(interval);
            auto [ec] = co_await health_timer_.async_wait(net::use_tuple);
            if (ec || !live())
                co_return;
            auto sent = clock::now();
            outbox_.push("*1\r\n$4\r\nPING\r\n");
            if (timeout.count() <= 0)
                continue;
            health_timer_.expires_after(timeout);
            auto [ec2] = co_await health_timer_.async_wait(net::use_tuple);
            if (ec2 || !live())
                co_return;
            if (last_read_ < sent) {
                log::warn("redis_timeout", {{"name", opts_.name}, {"endpoint", where_}});
                fail(error::timeout);
                co_return;
            }
        }
    }

    void stop() {
        if (state_ == sub_state::stopped)
            return;
        bool was_running = state_ != sub_state::idle;
        state_ = sub_state::stopped;
        health_timer_.cancel();
        shut(was_running);
    }
};

subscriber::subscriber(net::executor ex, endpoint ep, connection_options opts, flavour f)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(ep), std::move(opts),
                                   f == flavour::sharded)) {}

subscriber::~subscriber() {
    if (impl_)
        impl_->stop();
}

void subscriber::set_handler(handler h) {
    impl_->handler_ = std::move(h);
}

void subscriber::set_lost_handler(lost_handler h) {
    impl_->lost_ = std::move(h);
}

void subscriber::subscribe(std::string_view channel) {
    impl_->add(impl_->channels_, channel, impl_->sharded_ ? "SSUBSCRIBE" : "SUBSCRIBE");
}

void subscriber::psubscribe(std::string_view pattern) {
    impl_->add(impl_->patterns_, pattern, "PSUBSCRIBE");
}

void subscriber::unsubscribe(std::string_view channel) {
    impl_->remove(impl_->channels_, channel, impl_->sharded_ ? "SUNSUBSCRIBE" : "UNSUBSCRIBE");
}

void subscriber::punsubscribe(std::string_view pattern) {
    impl_->remove(impl_->patterns_, pattern, "PUNSUBSCRIBE");
}

void subscriber::start() {
    if (impl_->state_ != sub_state::idle)
        return;
    impl_->state_ = sub_state::connecting;
    net::spawn(impl_->ex_, detail::link::run(impl_), "redis_subscriber " + impl_->opts_.name);
}

void subscriber::stop() {
    impl_->stop();
}

bool subscriber::connected() const noexcept {
    return impl_->state_ == sub_state::connected;
}

std::size_t subscriber::channels() const noexcept {
    return impl_->channels_.size();
}

} // namespace senna::redis

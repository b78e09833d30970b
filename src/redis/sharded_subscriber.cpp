#include "redis/sharded_subscriber.hpp"

#include "net/spawn.hpp"
#include "redis/connection.hpp"
#include "redis/request.hpp"
#include "redis/slot.hpp"
#include "redis/slot_map.hpp"
#include "redis/subscriber.hpp"
#include "util/log.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace senna::redis {

namespace {

using steady = std::chrono::steady_clock;

// The least time between two loads of the map: a node that answers MOVED because another one's
// map is stale must not make the loop spin.
constexpr std::chrono::milliseconds min_reload_gap{100};

} // namespace

struct sharded_subscriber::impl : std::enable_shared_from_this<impl> {
    impl(net::executor ex, endpoint ep, connection_options opts)
        : ex_(std::move(ex)), ep_(std::move(ep)), opts_(std::move(opts)), timer_(ex_) {}

    struct node {
        std::unique_ptr<subscriber> sub;
        /** Check ticks in a row it was not connected. */
        unsigned down_ticks = 0;
    };

    net::executor ex_;
    endpoint ep_;
    connection_options opts_;
    net::steady_timer timer_;
    handler handler_;
    std::function<void()> topology_;
    std::chrono::milliseconds check_every_{1000};
    /** Every remembered channel and the node ("host:port", "" on one Redis) it is subscribed
        at; nullopt while it is nowhere (no map yet, no master for its slot, dropped). */
    std::map<std::string, std::optional<std::string>, std::less<>> channels_;
    std::map<std::string, node, std::less<>> nodes_;
    /** Cluster only: the map, and the connection it is asked through. */
    std::unique_ptr<connection> control_;
    std::vector<slot_range> ranges_;
    bool loaded_ = false;
    bool reload_ = false;
    /** Checks left that reload the map after a move. */
    unsigned settle_ = 0;
    bool started_ = false;
    bool stopped_ = false;
    steady::time_point last_load_{};

    bool cluster() const noexcept { return ep_.cluster(); }

    /** The node serving `channel`'s slot: "" on one Redis; nullopt when not known. */
    std::optional<std::string> owner(std::string_view channel) const {
        if (!cluster())
            return std::string();
        if (!loaded_)
            return std::nullopt;
        const auto s = key_slot(channel);
        for (const auto& r : ranges_)
            if (s >= r.first && s <= r.last)
                return describe(r.master);
        return std::nullopt;
    }

    subscriber& node_at(const std::string& key) {
        auto it = nodes_.find(key);
        if (it != nodes_.end())
            return *it->second.sub;
        endpoint at = ep_;
        if (cluster()) {
            // key is describe(node_address): find the address again in the map.
            for (const auto& r : ranges_)
                if (describe(r.master) == key) {
                    at = ep_.at(r.master);
                    break;
                }
        }
        connection_options o = opts_;
        o.name = opts_.name + (key.empty() ? "" : "@" + key);
        auto sub = std::make_unique<subscriber>(ex_, at, o, subscriber::flavour::sharded);
        std::weak_ptr<impl> weak = weak_from_this();
        sub->set_handler([weak](std::string_view ch, std::string_view, std::string_view p) {
            if (auto self = weak.lock(); self && self->handler_)
                self->handler_(ch, p);
        });
        sub->set_lost_handler([weak, key](std::string_view ch) {
            if (auto self = weak.lock())
                self->lost(key, ch);
        });
        sub->start();
        auto& n = nodes_[key];
        n.sub = std::move(sub);
        return *n.sub;
    }

    /** A node dropped `channel`: it is nowhere now; the map may have changed. */
    void lost(const std::string& key, std::string_view channel) {
        auto it = channels_.find(channel);
        if (it != channels_.end() && it->second == key)
            it->second.reset();
        if (!cluster()) {
            reconcile(); // one Redis has no slots to move: subscribe again at once
            return;
        }
        moved();
    }

    void moved() {
        reload_ = true;
        // Nodes learn of a failover one after another: the map is asked again on the next
        // checks, and a change then is reported too.
        settle_ = 3;
        timer_.cancel();
        if (topology_)
            topology_();
    }

    /** Every channel where the map says; node connections without channels closed. */
    void reconcile() {
        for (auto& [channel, at] : channels_) {
            auto want = owner(channel);
            if (!want)
                continue;
            if (at == want)
                continue;
            if (at)
                if (auto n = nodes_.find(*at); n != nodes_.end())
                    n->second.sub->unsubscribe(channel);
            at = want;
            node_at(*at).subscribe(channel);
        }
        if (!cluster())
            return;
        std::set<std::string, std::less<>> used;
        for (const auto& [channel, at] : channels_)
            if (at)
                used.insert(*at);
        for (auto it = nodes_.begin(); it != nodes_.end();) {
            if (!used.contains(it->first) && it->second.sub->channels() == 0) {
                it->second.sub->stop();
                it = nodes_.erase(it);
            } else {
                ++it;
            }
        }
    }

    static bool same(const std::vector<slot_range>& a, const std::vector<slot_range>& b) {
        if (a.size() != b.size())
            return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (a[i].first != b[i].first || a[i].last != b[i].last || !(a[i].master == b[i].master))
                return false;
        return true;
    }

    net::awaitable<bool> load() {
        last_load_ = steady::now();
        const node_address asked = ep_.seeds.front();
        request shards;
        shards.push("CLUSTER", "SHARDS");
        auto [ec, replies] = co_await control_->exec(shards);
        if (stopped_)
            co_return false;
        boost::system::result<std::vector<slot_range>, std::string> ranges =
            std::string("no reply");
        if (!ec && replies.size() == 1 && !replies[0].is_error())
            ranges = parse_cluster_shards(replies[0], asked);
        if (!ranges) {
            request slots;
            slots.push("CLUSTER", "SLOTS");
            auto [ec2, replies2] = co_await control_->exec(slots);
            if (stopped_)
                co_return false;
            if (!ec2 && replies2.size() == 1 && !replies2[0].is_error())
                ranges = parse_cluster_slots(replies2[0], asked);
        }
        if (!ranges || ranges->empty()) {
            log::debug("redis_shard_map_failed",
                       {{"name", opts_.name},
                        {"error", ranges ? std::string("empty map") : ranges.error()}});
            co_return false;
        }
        const bool changed = loaded_ && !same(ranges_, *ranges);
        ranges_ = std::move(*ranges);
        loaded_ = true;
        if (changed && topology_)
            topology_();
        co_return true;
    }

    /** Loads the map when asked to (or while it is not loaded), checks the nodes, reconciles. */
    static net::awaitable<void> run(std::shared_ptr<impl> self) {
        while (!self->stopped_) {
            if (self->cluster()) {
                // A node that stayed down for a whole interval: its slots may be elsewhere now.
                for (auto& [key, n] : self->nodes_) {
                    if (n.sub->channels() == 0 || n.sub->connected()) {
                        n.down_ticks = 0;
                    } else if (++n.down_ticks >= 2) {
                        n.down_ticks = 0;
                        self->moved();
                    }
                }
                if (self->settle_ > 0 && !self->reload_) {
                    --self->settle_;
                    self->reload_ = true;
                }
                if ((self->reload_ || !self->loaded_) &&
                    steady::now() - self->last_load_ >= min_reload_gap) {
                    self->reload_ = false;
                    const bool ok = co_await self->load();
                    if (self->stopped_)
                        co_return;
                    if (!ok)
                        self->reload_ = true;
                }
            }
            self->reconcile();
            self->timer_.expires_after(self->reload_ ? min_reload_gap : self->check_every_);
            co_await self->timer_.async_wait(net::use_tuple);
        }
    }

    void stop() {
        if (stopped_)
            return;
        stopped_ = true;
        timer_.cancel();
        for (auto& [key, n] : nodes_)
            n.sub->stop();
        nodes_.clear();
        if (control_)
            control_->stop();
        control_.reset();
    }
};

sharded_subscriber::sharded_subscriber(net::executor ex, endpoint ep, connection_options opts)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(ep), std::move(opts))) {}

sharded_subscriber::~sharded_subscriber() {
    if (impl_)
        impl_->stop();
}

void sharded_subscriber::set_handler(handler h) {
    impl_->handler_ = std::move(h);
}

void sharded_subscriber::set_topology_handler(std::function<void()> h) {
    impl_->topology_ = std::move(h);
}

void sharded_subscriber::subscribe(std::string_view channel) {
    auto [it, added] = impl_->channels_.emplace(std::string(channel), std::nullopt);
    if (!added || impl_->stopped_ || !impl_->started_)
        return;
    it->second = impl_->owner(channel);
    if (it->second) // else placed once the map is loaded
        impl_->node_at(*it->second).subscribe(channel);
}

void sharded_subscriber::unsubscribe(std::string_view channel) {
    auto it = impl_->channels_.find(channel);
    if (it == impl_->channels_.end())
        return;
    if (it->second)
        if (auto n = impl_->nodes_.find(*it->second); n != impl_->nodes_.end())
            n->second.sub->unsubscribe(channel);
    impl_->channels_.erase(it);
}

void sharded_subscriber::start() {
    if (impl_->started_ || impl_->stopped_)
        return;
    impl_->started_ = true;
    if (impl_->cluster()) {
        connection_options o = impl_->opts_;
        o.name = impl_->opts_.name + "-map";
        impl_->control_ = std::make_unique<connection>(impl_->ex_, impl_->ep_, o);
        impl_->control_->start();
    } else {
        impl_->reconcile(); // one Redis: every channel at its only node now
    }
    net::spawn(impl_->ex_, impl::run(impl_), "redis_sharded_subscriber " + impl_->opts_.name);
}

void sharded_subscriber::stop() {
    impl_->stop();
}

bool sharded_subscriber::connected() const noexcept {
    if (impl_->stopped_ || !impl_->started_ || (impl_->cluster() && !impl_->loaded_))
        return false;
    for (const auto& [channel, at] : impl_->channels_) {
        auto n = at ? impl_->nodes_.find(*at) : impl_->nodes_.end();
        if (n == impl_->nodes_.end() || !n->second.sub->connected())
            return false;
    }
    return true;
}

std::size_t sharded_subscriber::nodes() const noexcept {
    return impl_->nodes_.size();
}

void sharded_subscriber::set_check_interval(std::chrono::milliseconds every) noexcept {
    impl_->check_every_ = every;
}

} // namespace senna::redis

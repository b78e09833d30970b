#pragma once
// Redis 7's sharded pub/sub for one executor (ADR 0015 §8, §9): remembers its channels and keeps
// each SSUBSCRIBEd at the master that serves the channel's hash slot, over one subscriber
// connection per such master (subscriber.hpp's sharded flavour), opened when a channel needs it
// and closed when its last channel goes. On one Redis (no cluster) it is one connection.
//
// The slot map comes from CLUSTER SHARDS (or CLUSTER SLOTS), asked through a cluster client
// connection. It is loaded again, and every channel moved to the master that now serves it, when
// a node drops a channel by itself (a `sunsubscribe` push: its slot moved, or a failover demoted
// the node), answers SSUBSCRIBE with MOVED, or stays unreachable for a check interval. Messages
// published in between are lost: that is pub/sub's contract.
//
// Threading: as subscriber, on its executor's thread only; the handler runs there.

#include "net/types.hpp"
#include "redis/endpoint.hpp"
#include "redis/options.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string_view>

namespace senna::redis {

class sharded_subscriber {
public:
    using handler = std::function<void(std::string_view channel, std::string_view payload)>;

    /** `ep`: one Redis, or a Redis Cluster's seeds. */
    sharded_subscriber(net::executor ex, endpoint ep, connection_options opts = {});
    /** Calls stop(). */
    ~sharded_subscriber();
    sharded_subscriber(const sharded_subscriber&) = delete;
    sharded_subscriber& operator=(const sharded_subscriber&) = delete;

    void set_handler(handler h);
    /** Called (on the executor) when the subscriber learns that slots moved: a channel dropped
        by its node, a MOVED, a node down. A publisher on the same cluster should reload its map
        then (connection::refresh_topology). */
    void set_topology_handler(std::function<void()> h);

    /** Adds `channel` to the remembered set and SSUBSCRIBEs it at its master (now, or once the
        map is loaded and that node connected). */
    void subscribe(std::string_view channel);
    /** Forgets `channel` and SUNSUBSCRIBEs it where it was subscribed. */
    void unsubscribe(std::string_view channel);

    /** Spawns the map loading and checking loop (once). */
    void start();
    /** Ends everything for good; the object may be destroyed right after. */
    void stop();

    /** Every remembered channel is assigned to a master whose connection has confirmed its
        subscriptions (on a cluster: the map is loaded). */
    bool connected() const noexcept;
    /** The number of node connections open now (for tests and logs). */
    std::size_t nodes() const noexcept;
    /** How often an unreachable node is checked for, and the map reloaded while one is. */
    void set_check_interval(std::chrono::milliseconds every) noexcept;

    struct impl;

private:
    std::shared_ptr<impl> impl_;
};

} // namespace senna::redis

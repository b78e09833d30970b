#pragma once
// The Redis Cluster side of redis::connection (internal to src/redis; ADR 0013): a slot map,
// one single-node connection per master (created when the map names it), and the routing of
// each encoded pipeline: split per node, sent in parallel, MOVED / ASK / TRYAGAIN / CLUSTERDOWN
// followed, answered in the caller's order.
//
// Threading: as redis::connection, on its executor's thread only.

#include "net/types.hpp"
#include "redis/connection.hpp"
#include "redis/endpoint.hpp"
#include "redis/options.hpp"
#include "redis/slot_map.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace senna::redis::detail {

class cluster_router : public std::enable_shared_from_this<cluster_router> {
public:
    cluster_router(net::executor ex, endpoint ep, connection_options opts);
    ~cluster_router();
    cluster_router(const cluster_router&) = delete;
    cluster_router& operator=(const cluster_router&) = delete;

    /** Loads the slot map (and so opens the masters' links), in the background. */
    void start();
    /** Stops every link; requests in flight complete with error::stopped. */
    void stop();
    /** The map is loaded and every master's link is open. */
    bool connected() const noexcept;

    /** As connection::impl::exec: `payload` holds `commands` commands encoded by a request. */
    void exec(std::string_view payload, std::size_t commands, connection::exec_handler handler);

    /** Asks for a new map (coalesced: one load at a time, at most one more after it). */
    void refresh();

    struct op;

private:
    struct node {
        node_address addr;
        std::unique_ptr<connection> conn; // null until needed, and after it is retired
        bool master = false;
        /** A caller's command was ever sent there (not only CLUSTER SHARDS). */
        bool routed = false;
        /** A master's replicas that are not failed, as the map says. */
        unsigned replicas = 0;
        /** Until then its writes go without WAIT (a WAIT timed out). */
        std::chrono::steady_clock::time_point wait_paused_until{};
    };
    struct plan;

    static net::awaitable<void> run(std::shared_ptr<cluster_router> self, std::shared_ptr<op> o);
    static net::awaitable<void> refresh_loop(std::shared_ptr<cluster_router> self);

    /** The index of `addr` in nodes_, added if new; slot_map::none if the table is full. */
    std::uint16_t index_of(const node_address& addr);
    /** The link to node `i`, opened if it was not. */
    connection& link(std::uint16_t i);
    /** Any master whose link is open (round robin), else any master, else none. */
    std::uint16_t any_master();
    net::awaitable<bool> load_map();
    /** After a WAIT on node `i` answered `r`: a timeout or a refusal pauses its WAITs. */
    void replicated(std::uint16_t i, const reply& r);
    void apply(const std::vector<slot_range>& ranges);

    net::executor ex_;
    endpoint ep_;
    connection_options opts_;
    std::string where_;
    std::vector<node> nodes_;
    slot_map map_;
    std::chrono::steady_clock::time_point map_loaded_at_{};
    std::size_t round_robin_ = 0;
    bool started_ = false;
    bool stopped_ = false;
    bool refreshing_ = false;
    bool refresh_again_ = false;
};

} // namespace senna::redis::detail

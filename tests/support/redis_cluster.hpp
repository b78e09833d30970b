#pragma once
// A private Redis Cluster for one test: 3 masters and 3 replicas of Debian's redis-server, each a
// test::redis_server (free loopback port, own temp directory holding its cluster config file,
// no persistence), joined with `redis-cli --cluster create ... --cluster-replicas 1`, and ready
// once every node reports cluster_state:ok and agrees on who serves all 16384 slots, every
// replica's link to its master is up and the node asked lists every master's replicas. A small
// cluster-node-timeout keeps a failover short. The destructor kills all six and removes their
// directories, whatever happened. Throws std::runtime_error when the cluster cannot be formed.

#include "support/redis_server.hpp"

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace senna::test {

struct redis_cluster_options {
    std::size_t masters = 3;
    std::size_t replicas_per_master = 1;
    std::chrono::milliseconds node_timeout{1000};
};

/** One line of CLUSTER NODES. */
struct cluster_node {
    std::string id;
    std::uint16_t port = 0;
    bool master = false;
    bool failed = false;
    std::string master_id; // a replica's master
    /** Inclusive ranges served (masters only). */
    std::vector<std::pair<unsigned, unsigned>> slots;
};

class redis_cluster {
public:
    explicit redis_cluster(redis_cluster_options opts = {});
    ~redis_cluster();
    redis_cluster(const redis_cluster&) = delete;
    redis_cluster& operator=(const redis_cluster&) = delete;

    std::size_t size() const noexcept { return servers_.size(); }
    redis_server& server(std::size_t i) { return *servers_.at(i); }
    /** The index of the server listening on `port`. */
    std::size_t index_of(std::uint16_t port) const;
    /** Every node as seeds: "127.0.0.1:p1,127.0.0.1:p2,..." */
    std::string seeds() const;

    /** CLUSTER NODES as seen by a running node (the first that answers). */
    std::vector<cluster_node> nodes() const;
    /** The port of the master serving `slot`, as a running node sees it. */
    std::uint16_t master_of(unsigned slot) const;
    /** A replica of the master on `master_port`. */
    std::uint16_t replica_of(std::uint16_t master_port) const;

    /** Runs one command on the node at `port` (redis_server::command). */
    std::string command(std::uint16_t port, std::initializer_list<std::string_view> args) const;

    /**
     * Waits until every running node says cluster_state:ok and all of them name the same
     * master for every slot; throws after `limit`.
     */
    void wait_ok(std::chrono::milliseconds limit = std::chrono::seconds(20)) const;

    /** Moves `slot` from its master to the master on `to` (the keys too, with MIGRATE). */
    void move_slot(unsigned slot, std::uint16_t to);

private:
    redis_cluster_options opts_;
    std::vector<std::unique_ptr<redis_server>> servers_;
};

} // namespace senna::test

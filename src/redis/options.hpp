#pragma once
// Settings shared by `connection` and `subscriber`. The defaults suit one shard's connection to
// a Redis on the same host or network; `config` overrides them.

#include "redis/reader.hpp"

#include <chrono>
#include <cstddef>
#include <string>

namespace senna::redis {

struct stats;

struct connection_options {
    /** Resolve + connect + AUTH/SELECT/PING must finish within this, or the attempt fails. */
    std::chrono::milliseconds connect_timeout{2000};
    /**
     * A reply that does not arrive this long after its request was queued fails every pending
     * request with error::timeout and resets the connection: a stalled server must not hold
     * callers forever. Zero disables the check.
     */
    std::chrono::milliseconds command_timeout{5000};
    /** Reconnect delays: the first wait is `reconnect_min`, doubling up to `reconnect_max`. */
    std::chrono::milliseconds reconnect_min{50};
    std::chrono::milliseconds reconnect_max{2000};
    /** Commands queued or awaiting replies; beyond this exec fails with error::too_large. */
    std::size_t max_pending = 100000;
    /**
     * Subscriber only: an idle subscription sends PING this often and resets the connection if
     * nothing arrives within `command_timeout` after it (a silent server is otherwise
     * undetectable on a receive-only connection). Zero disables it.
     */
    std::chrono::milliseconds health_check_interval{10000};
    /**
     * Redis Cluster only: the part of a request that writes, sent to a master that has a
     * replica, ends with `WAIT 1 <replica_wait ms>`, and is answered once a replica has its
     * writes: a failover then keeps what was acknowledged (docs/adr/0020-replica-wait.md). A
     * WAIT that times out or is refused is logged and counted, the answer is given as it is (the
     * writes are on the master), that master's writes go without WAIT for `replica_wait_pause`,
     * and the map is reloaded. Zero: no WAIT.
     */
    std::chrono::milliseconds replica_wait{500};
    std::chrono::milliseconds replica_wait_pause{5000};
    /** Bounds on what the server may send (see reader_limits). */
    reader_limits limits{};
    /** Names the connection in logs. */
    std::string name = "redis";
    /** Counters to update; may be shared by several connections; must outlive them. */
    stats* metrics = nullptr;
};

} // namespace senna::redis

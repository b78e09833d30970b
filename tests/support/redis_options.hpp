#pragma once
// The connection options of the Redis unit tests: short connect and reconnect delays, so that a
// test that restarts or kills a server sees the client come back within its own time limits.

#include "redis/options.hpp"

#include <chrono>
#include <string>

namespace senna::test {

/** `name` for the logs; `command_timeout` longer than a failover where a test makes one. */
inline redis::connection_options
quick_reconnect(std::string name,
                std::chrono::milliseconds command_timeout = std::chrono::seconds(5)) {
    redis::connection_options o;
    o.name = std::move(name);
    o.connect_timeout = std::chrono::seconds(1);
    o.command_timeout = command_timeout;
    o.reconnect_min = std::chrono::milliseconds(20);
    o.reconnect_max = std::chrono::milliseconds(200);
    return o;
}

} // namespace senna::test

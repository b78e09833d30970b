#pragma once
// The composition root: builds the shards, the managed redis-server, the listeners; runs until
// SIGINT/SIGTERM; then drains and stops everything within the configured time.

#include "config/config.hpp"

namespace senna::app {

class server {
public:
    explicit server(config::config cfg);
    /** Blocks until a signal ends the server; returns the process exit code. Throws on start-up
     *  failure (a port in use, a bad key, a Redis that will not start). */
    int run();

private:
    config::config cfg_;
};

} // namespace senna::app

#pragma once
// Request metrics of the HTTP layer, shared by every shard (relaxed atomics, no lock):
// requests by route and status, and a latency histogram by route.

#include "util/metrics.hpp"

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace senna::http {

class request_metrics {
public:
    /** `labels` are the route patterns in router order; one more slot counts unmatched paths. */
    explicit request_metrics(std::vector<std::string> labels);

    void record(std::size_t route_index, unsigned code, std::uint64_t micros) noexcept;
    /** Index used for requests that matched no route. */
    std::size_t unmatched() const noexcept { return labels_.size() - 1; }

    void connection_opened() noexcept { open_.fetch_add(1, std::memory_order_relaxed); }
    void connection_closed() noexcept { open_.fetch_sub(1, std::memory_order_relaxed); }
    std::int64_t open_connections() const noexcept { return open_.load(std::memory_order_relaxed); }
    void connection_refused() noexcept { refused_.inc(); }

    void render(std::string& out) const;

private:
    struct per_route {
        std::array<util::metrics::counter, 600> by_status;
        util::metrics::histogram latency;
    };
    std::vector<std::string> labels_;
    std::vector<std::unique_ptr<per_route>> routes_;
    std::atomic<std::int64_t> open_{0};
    util::metrics::counter refused_;
};

} // namespace senna::http

#include "http/metrics.hpp"

namespace senna::http {

request_metrics::request_metrics(std::vector<std::string> labels) : labels_(std::move(labels)) {
    labels_.emplace_back("unmatched");
    for (std::size_t i = 0; i < labels_.size(); ++i)
        routes_.push_back(std::make_unique<per_route>());
}

void request_metrics::record(std::size_t route_index, unsigned code,
                             std::uint64_t micros) noexcept {
    if (route_index >= routes_.size())
        route_index = unmatched();
    auto& r = *routes_[route_index];
    r.by_status[code < 600 ? code : 0].inc();
    r.latency.observe_us(micros);
}

void request_metrics::render(std::string& out) const {
    namespace m = util::metrics;
    m::header(out, "senna_http_requests_total", "counter", "HTTP requests by route and status");
    for (std::size_t i = 0; i < routes_.size(); ++i)
        for (unsigned s = 0; s < 600; ++s)
            if (auto v = routes_[i]->by_status[s].value())
                m::sample(out, "senna_http_requests_total",
                          "route=\"" + m::escape_label(labels_[i]) + "\",status=\"" +
                              std::to_string(s) + "\"",
                          v);
    m::header(out, "senna_http_request_duration_seconds", "histogram",
              "HTTP request latency by route, from request read to response written");
    for (std::size_t i = 0; i < routes_.size(); ++i)
        routes_[i]->latency.render(out, "senna_http_request_duration_seconds",
                                   "route=\"" + m::escape_label(labels_[i]) + "\"");
    m::header(out, "senna_http_open_connections", "gauge", "open HTTP connections");
    auto open = open_.load(std::memory_order_relaxed);
    m::sample(out, "senna_http_open_connections", "", open > 0 ? std::uint64_t(open) : 0);
    m::header(out, "senna_http_refused_connections_total", "counter",
              "connections refused past SOCK_MAX_CONNECTIONS");
    m::sample(out, "senna_http_refused_connections_total", "", refused_.value());
}

} // namespace senna::http

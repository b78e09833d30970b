#include "config/config.hpp"

#include <algorithm>
#include <filesystem>

namespace senna::config {

std::string config::managed_redis_socket() const {
    return (std::filesystem::absolute(data_dir) / "redis.sock").lexically_normal().string();
}

std::string config::effective_redis_url() const {
    if (!redis_cluster.empty())
        return "redis+cluster://" + redis_cluster;
    if (!redis_url.empty())
        return redis_url;
    if (!redis_host.empty())
        return "redis://" + redis_host + ":" + std::to_string(redis_port);
    return "unix://" + managed_redis_socket();
}

bool config::webhook_on(std::string_view event) const {
    return !webhook_url.empty() &&
           std::find(webhook_events.begin(), webhook_events.end(), event) != webhook_events.end();
}

} // namespace senna::config

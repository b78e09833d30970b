#include "config/config.hpp"

#include <filesystem>

namespace senna::config {

std::string config::managed_redis_socket() const {
    return (std::filesystem::absolute(data_dir) / "redis.sock").lexically_normal().string();
}

std::string config::effective_redis_url() const {
    if (!redis_url.empty())
        return redis_url;
    if (!redis_host.empty())
        return "redis://" + redis_host + ":" + std::to_string(redis_port);
    return "unix://" + managed_redis_socket();
}

} // namespace senna::config

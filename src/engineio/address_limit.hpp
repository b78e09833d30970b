#pragma once
// SOCK_MAX_CONNECTIONS_PER_IP: open Engine.IO sessions (realtime clients) per client address,
// for every shard of an instance. The address is the peer's, or behind trusted proxies the one
// X-Forwarded-For names (util::client_address); a handshake past the limit gets 429.
//
// Threading: one object shared by the shards; a mutex taken once when a session opens and once
// when it closes, never per packet.

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace senna::engineio {

class address_limit {
public:
    explicit address_limit(std::size_t max_per_address) : max_(max_per_address) {}
    address_limit(const address_limit&) = delete;
    address_limit& operator=(const address_limit&) = delete;

    /** A session's place in its address's count, given back when destroyed. */
    class slot {
    public:
        slot(address_limit& owner, std::string address)
            : owner_(owner), address_(std::move(address)) {}
        ~slot() { owner_.release(address_); }
        slot(const slot&) = delete;
        slot& operator=(const slot&) = delete;

    private:
        address_limit& owner_;
        std::string address_;
    };

    /** A slot for `address`; null when it holds the maximum already. */
    std::unique_ptr<slot> acquire(const std::string& address) {
        {
            std::lock_guard lock(mutex_);
            auto& n = open_[address];
            if (n >= max_) {
                if (n == 0)
                    open_.erase(address);
                return nullptr;
            }
            ++n;
        }
        return std::make_unique<slot>(*this, address);
    }

    /** Open sessions of `address` (tests, diagnostics). */
    std::size_t open(const std::string& address) const {
        std::lock_guard lock(mutex_);
        auto it = open_.find(address);
        return it == open_.end() ? 0 : it->second;
    }

private:
    void release(const std::string& address) {
        std::lock_guard lock(mutex_);
        auto it = open_.find(address);
        if (it != open_.end() && --it->second == 0)
            open_.erase(it);
    }

    std::size_t max_;
    mutable std::mutex mutex_;
    // Only addresses with an open session: bounded by the instance's connections.
    std::unordered_map<std::string, std::size_t> open_;
};

} // namespace senna::engineio

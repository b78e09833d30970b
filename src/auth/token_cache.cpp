#include "auth/token_cache.hpp"

#include <algorithm>

namespace senna::auth {

boost::system::result<identity> token_cache::verify(const verifier& v, std::string_view token,
                                                    std::int64_t now_unix,
                                                    std::int64_t leeway_seconds) {
    if (owner_ != &v) {
        entries_.clear();
        owner_ = &v;
    }
    const std::int64_t leeway = std::max<std::int64_t>(leeway_seconds, 0);
    if (const auto it = entries_.find(std::string(token)); it != entries_.end()) {
        const auto& exp = it->second.expires_at;
        if (!exp || now_unix < *exp + leeway)
            return it->second;
        entries_.erase(it); // (nearly) expired: the full check decides
    }
    auto r = v.verify(token, now_unix, leeway_seconds);
    if (r && capacity_ > 0) {
        if (entries_.size() >= capacity_)
            entries_.clear();
        entries_.emplace(std::string(token), *r);
    }
    return r;
}

} // namespace senna::auth

#pragma once
// A shard's memory of the tokens it has verified. Clients send the same token with every
// request (and a socket once per connection), and checking its signature again each time cost a
// quarter of a REST send's instructions (HS256 through OpenSSL's EVP). The cache keeps
// successes only, keyed by the whole token text: the same bytes verify the same way, except
// for time, so every hit is checked against the token's exp again.

#include "auth/jwt.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace senna::auth {

class token_cache {
public:
    /** Entries kept; when full the cache starts over (no per-hit bookkeeping). About 0.5 KB
        per entry for a typical token and claims. */
    explicit token_cache(std::size_t capacity = 2048) noexcept : capacity_(capacity) {}

    /**
     * verifier::verify(token, now, leeway), answered from the cache when `token` was verified
     * by `v` before and is still within exp + leeway (exp rounded down: an entry may go to the
     * full check a second early, never a second late). Not thread-safe: one per shard.
     */
    boost::system::result<identity> verify(const verifier& v, std::string_view token,
                                           std::int64_t now_unix, std::int64_t leeway_seconds);

    std::size_t size() const noexcept { return entries_.size(); }

private:
    std::size_t capacity_;
    const verifier* owner_ = nullptr; // entries belong to the verifier that checked them
    std::unordered_map<std::string, identity> entries_;
};

} // namespace senna::auth

#pragma once
// Without SOCK_API_URL, a user's profile is what their latest token said (SPEC §6): `username`
// and `role` claims, kept in Redis (P:messages:D:profile:U) so that every instance sees it.
// One per shard. Writes are deduplicated per shard: a user's profile is written when it changes
// or at most every `refresh` otherwise, not on every request. Reads of texts (the pages') are
// served from a shard cache for `cache_ttl` (SOCK_API_CACHE_TTL_MS, as the platform's look-ups):
// a page asks Redis only for the profiles it has not seen lately, in one request. A profile
// remembered here is cached at once; one changed through another instance is seen here within
// cache_ttl (docs/adr/0019-profile-cache.md).

#include "chat/id.hpp"
#include "chat/keys.hpp"
#include "net/types.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace senna::redis {
class connection;
}

namespace senna::chat {

class profile_store {
public:
    /** `cache_ttl` zero: every read asks Redis. */
    profile_store(redis::connection& redis, const keys& k,
                  std::chrono::milliseconds cache_ttl = {});

    /** Remembers the profile in `claims` (fire and forget; a failed write is only logged). */
    void remember(const id& user, const boost::json::object& claims);

    /** One object per id, in order: the stored profile, else {"id", "username": "user-<id>"}.
     *  Never fails: Redis errors give the fallback objects. With `sp`, the objects live in that
     *  memory resource (a page's arena: moved into the page, not copied). Not cached: no page
     *  takes objects (user_texts below is the pages' look-up). */
    net::awaitable<std::vector<boost::json::object>> users(const std::vector<id>& ids,
                                                           boost::json::storage_ptr sp = {});
    /** What serialising each of users(ids) writes: the stored text itself where it is what the
     *  serializer would write again (util/json_canonical.hpp: what remember() stores), without
     *  parsing it. Served from the cache where it holds the id (a Redis error's fallbacks are
     *  not cached). */
    net::awaitable<std::vector<std::string>> user_texts(const std::vector<id>& ids);

    /** The profile the claims describe: {"id", "username", "role"?}. */
    static boost::json::object from_claims(const id& user, const boost::json::object& claims);
    static boost::json::object fallback(const id& user, boost::json::storage_ptr sp = {});
    /** What serialising fallback(user) writes, written without it. */
    static std::string fallback_text(const id& user);
    /** A hash of what from_claims makes of `claims` (its username and role), computed without
        making it: remember() runs on every request and compares it with the last one written.
        Whatever from_claims comes to read must be hashed here too. */
    static std::size_t digest(const boost::json::object& claims);

private:
    /** The stored profiles' replies, one per id in order (null: none, or Redis failed). */
    struct replies {
        std::vector<std::optional<std::string>> texts;
        bool failed = false; // Redis failed: the nulls say nothing of what is stored
    };
    net::awaitable<replies> stored(const std::vector<id>& ids);
    // What was written last for a user: a hash of the claims it came from (their username and
    // role), not the JSON (a changed profile with the same 64-bit hash would wait for the
    // refresh; one of 2^64).
    struct written {
        std::size_t digest;
        std::chrono::steady_clock::time_point at;
    };
    // A profile's text as user_texts gives it, and when it was read or remembered.
    struct cached {
        std::string text;
        std::chrono::steady_clock::time_point at;
    };
    /** Caches `text` for `user` as of `at`, unless the cache holds a newer one (a profile
     *  remembered while its read was under way). */
    void cache(const std::string& user, std::string text, std::chrono::steady_clock::time_point at);

    redis::connection& redis_;
    const keys& keys_;
    std::chrono::milliseconds cache_ttl_;
    std::unordered_map<std::string, written> recent_; // shard-local, bounded
    std::unordered_map<std::string, cached> cache_;   // shard-local, bounded by max_recent
    static constexpr std::size_t max_recent = 100000;
    static constexpr std::chrono::minutes refresh{10};
    static constexpr long long ttl_seconds = 90 * 24 * 3600; // a profile unseen for 90 days goes
};

} // namespace senna::chat

#pragma once
// The client of the platform's API (SPEC §6): user and topic look-ups with a per-shard cache,
// and the session check of a socket connect. Knows nothing of chat: ids are canonical text
// (platform/ids.hpp), answers are the platform's JSON objects as it sent them.
//
// Threading: one client per shard, not thread-safe: construct, call and destroy it on its
// executor's thread. `stats` may be shared by every shard's client. Destroying the client while
// calls are suspended is allowed: each call and each fetch in flight holds the shared state.
//
// Bounds: every call completes within `timeout` plus a few milliseconds, whatever the platform
// does; the platform sees at most `max_connections` sockets from each shard.

#include "net/types.hpp"
#include "platform/stats.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace senna::platform {

struct settings {
    /** `http://host:port/prefix/` (SOCK_API_URL); a missing trailing slash is added. */
    std::string api_url;
    /** User-Agent of every request (SOCK_API_USER_AGENT). */
    std::string user_agent = "Senna-Sockets-Server";
    /** Cap on each call (look-up or session check), waiting for a connection included. */
    std::chrono::milliseconds timeout{3000};
    /** How long a user or topic the platform returned is served from the cache. */
    std::chrono::milliseconds cache_ttl{60000};
    /** Sockets to the platform per shard. */
    std::size_t max_connections = 8;
    /** Header that carries the socket's token to v1/session, besides `Authorization: Bearer`
     *  (SOCK_JWT_HEADER: the platform reads the header it issued the token for). */
    std::string token_header = "X-Auth-Token";
    /** Cap on opening one connection, within `timeout`. */
    std::chrono::milliseconds connect_timeout{1000};
    /** Longest accepted response body. */
    std::size_t max_body_bytes = 1024 * 1024;
    /** Cached ids per kind and shard; when full, expired entries go, then all (the cache is
     *  an optimisation: refilling it costs one batched request per call). */
    std::size_t max_cache_entries = 100000;
};

struct session_result {
    /**
     * allowed: the platform vouches for the user (2xx with `user.role.handle` neither banned
     * nor deleted). refused: it answered no: 401 or 403 (reason "rejected"), or the role is
     * banned / deleted (reason "banned" / "deleted"); also a token that cannot be sent in a
     * header (reason "rejected"). failed: no decision (platform down, slow, another status, or
     * a body without `user.id` and a string `user.role.handle`); `reason` then says why, for
     * logs. What to do on failure (refuse, or SOCK_API_SESSION_FAIL_OPEN) is the caller's call.
     */
    enum class outcome { allowed, refused, failed };
    outcome result = outcome::failed;
    /** The platform's `user` object when it sent one (allowed, banned, deleted). */
    boost::json::object user;
    std::string reason;
};

class client {
public:
    /** Throws std::invalid_argument, with a sentence for the operator, when `api_url` is not a
     *  usable http:// URL. */
    client(net::executor ex, settings s, stats* st = nullptr);
    ~client();
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    /**
     * One object per id of `ids`, in the same order (duplicates included). Ids in the cache are
     * answered from it; the others go in ONE request
     * `GET {api_url}v1/users?fields=id,username,role&ids=1,alice`, merged with a request in
     * flight for the same ids on this shard if there is one. An id the platform did not return
     * (error, timeout, garbage, absent from `entries`) gets `{"id": ID}` (platform/ids.hpp),
     * which is not cached; failures are logged, one warning per request.
     */
    net::awaitable<std::vector<boost::json::object>> users(std::vector<std::string> ids);
    /** As users(), with `GET {api_url}v1/topics?fields=id,title,status&ids=7`. */
    net::awaitable<std::vector<boost::json::object>> topics(std::vector<std::string> ids);

    /**
     * `GET {api_url}v1/session` with `token` in `token_header` and `Authorization: Bearer`.
     * Never cached: a ban must take effect at the next connect, and connects are far rarer than
     * look-ups. The token is never logged.
     */
    net::awaitable<session_result> session(std::string token);

    const settings& config() const noexcept;

    struct state;

private:
    std::shared_ptr<state> state_;
};

} // namespace senna::platform

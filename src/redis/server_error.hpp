#pragma once
// What an error reply says went wrong on the server, from its first word (Redis's error code):
// "Redis is full" (OOM), "Redis is failing over" (READONLY, MASTERDOWN), "Redis is starting"
// (LOADING), ... apart from a bug (ERR, WRONGTYPE). Knows nothing of what the caller was doing;
// the edges decide what each kind means to their clients (api/error_map.cpp for senna).

#include <string_view>

namespace senna::redis {

enum class server_error {
    /** Not an error reply. */
    none,
    /** Any other code (ERR, WRONGTYPE, CROSSSLOT, MOVED, NOPERM, ...): a bug or a setup error. */
    other,
    /** OOM: used memory is over maxmemory and nothing may be evicted; the write was refused. */
    oom,
    /** READONLY: the server is a replica (a failover, or the wrong endpoint); writes refused. */
    readonly,
    /** LOADING: the server is loading its dataset into memory. */
    loading,
    /** BUSY: a script or function has run past busy-reply-threshold. */
    busy,
    /** MASTERDOWN: a replica without its master, with replica-serve-stale-data no. */
    masterdown,
    /** CLUSTERDOWN: the cluster is down, or this node serves no slot for the key. */
    clusterdown,
    /** TRYAGAIN: a multi-key request during the migration of its slot. */
    tryagain,
    /** NOSCRIPT: the script is not in the server's cache (connection::evalsha reloads it). */
    noscript,
    /** MISCONF: the server cannot persist (RDB or AOF write failing: full disk, permissions);
        writes refused. */
    misconf,
    /** NOREPLICAS: fewer good replicas than min-replicas-to-write; writes refused. */
    noreplicas,
    /** EXECABORT: a transaction was discarded; the reason is an earlier reply of the MULTI. */
    execabort,
};

/** The kind of an error reply's text ("OOM command not allowed ..." -> oom). The code is the
    text up to the first space, compared exactly (Redis sends it upper case); an empty text is
    `other`. */
server_error classify(std::string_view error_text) noexcept;

/** The code as Redis writes it ("OOM", "READONLY", ...); "ERR" for other, "" for none. Used as
    a metric label. */
std::string_view code_of(server_error e) noexcept;

/** Every kind that is an error, in declaration order (metrics, tests). */
inline constexpr server_error all_server_errors[] = {
    server_error::other,       server_error::oom,        server_error::readonly,
    server_error::loading,     server_error::busy,       server_error::masterdown,
    server_error::clusterdown, server_error::tryagain,   server_error::noscript,
    server_error::misconf,     server_error::noreplicas, server_error::execabort,
};

} // namespace senna::redis

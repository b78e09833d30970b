#pragma once
// Every setting, limit and timeout of senna in one aggregate, each with its default and the
// reason for it. `load.hpp` fills it from the environment (SPEC §1 names) and command-line flags;
// `senna --help` prints the table in load.cpp, which is the one place a setting is declared.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace senna::config {

using std::chrono::milliseconds;

struct config {
    // --- SPEC §1 ---
    std::string env = "development"; // "production" refuses the default JWT secret
    std::string http_host = "localhost";
    std::uint16_t http_port = 3005; // 0 picks a free port (tests); the bound one is logged
    std::string domain = "myplatform";
    std::string redis_url;  // empty: see redis_host
    std::string redis_host; // empty together with redis_url: senna runs its own redis-server
    // A Redis Cluster's seed nodes, [user:pass@]host:port,host:port (ADR 0013); excludes the two
    // above.
    std::string redis_cluster;
    std::uint16_t redis_port = 6379;
    std::string redis_prefix = "senna-sockets";
    // "seed" (SPEC §4's key names, byte for byte) or "cluster" (the same keys with hash tags:
    // docs/adr/0012-cluster-key-layout.md).
    std::string redis_layout = "seed";
    std::string jwt_algorithm = "HS256";
    std::string jwt_header = "X-Auth-Token";
    std::string jwt_secret = "scene-passage-love-rhyme";
    std::string jwt_public_key_file;      // PEM, required for RS*/ES*/EdDSA
    std::int64_t jwt_leeway_seconds = 30; // clock skew between the platform and senna
    std::string api_url;
    std::string api_user_agent = "Senna-Sockets-Server";
    milliseconds api_timeout{3000};    // a look-up slower than this falls back to {"id": ID}
    milliseconds api_cache_ttl{60000}; // profiles change rarely; 60 s bounds staleness
    bool api_session_fail_open = false;
    std::string data_dir = "./data";
    unsigned threads = 0; // 0: one per core
    std::vector<std::string> cors_origins{"*"};
    std::size_t max_text_length = 10000; // Unicode code points
    std::size_t max_connections = 100000;
    std::optional<bool> demo; // the demo web client at /demo; unset: on only in development

    // --- limits and timeouts (docs/limits.md) ---
    std::string log_level = "info";
    std::size_t http_header_limit = 16 * 1024; // Node's default; larger headers get 431
    std::size_t http_body_limit = 1024 * 1024; // SPEC §3: 413 above 1 MiB
    milliseconds http_request_timeout{10000};  // whole request (headers + body): cuts slowloris
    milliseconds http_idle_timeout{30000};     // keep-alive wait for the next request
    milliseconds http_write_timeout{10000};    // a client that does not read its response
    milliseconds shutdown_timeout{10000};      // SIGTERM drain before connections are cut
    milliseconds redis_connect_timeout{2000};
    milliseconds redis_command_timeout{5000}; // a reply later than this fails and reconnects
    // Redis Cluster: a write is answered once a replica has it, waiting at most this (WAIT 1;
    // 0: no WAIT). Past it the write is answered anyway (redis/options.hpp, ADR 0020).
    milliseconds redis_replica_wait{500};
    std::string redis_server = "redis-server"; // binary of the managed Redis (found on PATH)
    // maxmemory of the managed Redis in bytes (0: none), with maxmemory-policy noeviction: a
    // full Redis refuses new messages (507) instead of dropping old ones or swapping. Unset:
    // half of the machine's memory, or of the container's limit (app::default_maxmemory).
    std::optional<std::uint64_t> redis_maxmemory;

    // --- Socket.IO (Engine.IO) ---
    milliseconds eio_ping_interval{25000};   // reference default; proxies idle out at 30-60 s
    milliseconds eio_ping_timeout{20000};    // reference default; a missing pong closes after it
    std::size_t eio_max_payload = 1000000;   // reference maxHttpBufferSize: one message / POST
    std::size_t eio_outbox_limit = 1024;     // queued packets per client before "slow consumer"
    milliseconds eio_upgrade_timeout{10000}; // a WebSocket probe must finish the upgrade by then
    milliseconds eio_close_timeout{1000};    // WebSocket close handshake bound (RFC 6455 7.1.1)
    milliseconds sio_connect_timeout{45000}; // reference connectTimeout: join a namespace by then
    milliseconds sio_ack_timeout{10000};     // default wait for a client's acknowledgement

    // --- abuse limits (issue 8, docs/limits.md "Abuse limits"; 0 turns each off) ---
    // A Socket.IO packet's text (and, apart, its attachments) above this closes the connection.
    // The longest legitimate send-message is max_text_length code points escaped by a client that
    // writes \uXXXX for everything (12 bytes for an emoji): 10000 -> 120000 bytes + envelope.
    std::size_t sio_max_event_bytes = 128 * 1024;
    std::uint64_t rate_send_per_sec = 10; // message writes per user per instance (send/edit/delete)
    std::uint64_t rate_send_burst = 20;   // saved up: a quick exchange or a pasted list fits
    std::uint64_t rate_events_per_sec = 20;  // Socket.IO events per socket (typing, joins, ...)
    std::uint64_t rate_events_burst = 40;    // a reconnect that rejoins many topics at once fits
    std::size_t max_sockets_per_user = 20;   // per instance: tabs and devices of one person
    std::size_t max_topics_per_socket = 100; // topic rooms one socket may join with join-topic

    // A client address's open realtime connections (Engine.IO sessions) per instance; 0: off,
    // since carrier-grade NAT and office proxies put thousands of people behind one address.
    std::size_t max_connections_per_ip = 0;
    // Proxies whose X-Forwarded-For names the client (addresses or CIDR blocks); empty: the
    // header is ignored and the peer address is the client.
    std::vector<std::string> trusted_proxies;

    // --- operations (issue 17: moderation, the Admin UI; docs/SECURITY.md) ---
    std::string admin_secret; // HS256 key of admin API tokens; empty: none (never logged)
    std::string admin_claim;  // "name=value": platform tokens with it are admins; empty: none
    bool admin_ui = false;    // the Socket.IO Admin UI namespace and /admin-ui/
    std::string admin_namespace = "/admin";
    std::string admin_username;
    std::string admin_password_hash; // $2b$ bcrypt (never logged)
    std::string admin_mode;          // development, production, readonly; empty: by SOCK_ENV

    // --- realtime (issue 5) ---
    milliseconds auth_timeout{15000}; // SPEC §5: a token-less socket must `authenticate` by then
    milliseconds presence_heartbeat{5000}; // instance heartbeat; its key expires after 3 beats

    // --- connection state recovery and the adapter (issue 14) ---
    // How long a dropped socket's session can be restored (socket.io's maxDisconnectionDuration
    // default); 0: no recovery (no pid, no offsets, no event log in the classic mode).
    milliseconds recovery_window{120000};
    // How instances reach each other: "redis" (@socket.io/redis-adapter's pub/sub, the seed's)
    // "redis-streams" (@socket.io/redis-streams-adapter 0.3.x) or "redis-sharded" (the
    // redis-adapter's createShardedAdapter, dynamic mode; docs/adr/0015-sharded-pubsub.md).
    std::string adapter = "redis";
    // In the redis mode, chat writes leave out their PUBLISHes while no other instance (senna,
    // or Node on @socket.io/redis-adapter) listens (docs/adr/0014-unheard-publications.md).
    bool adapter_skip_unheard = true;
    // --- presence you can ask for, and webhooks (issue 16, docs/webhooks.md) ---
    // A user whose last socket went is shown offline (and user.offline sent) only after this:
    // a page reload or a network hand-over reconnects well within it.
    milliseconds presence_grace{10000};
    std::size_t presence_watch_limit = 100; // users one socket may watch (watch-presence)
    std::string webhook_url;                // empty: no webhooks (nothing is queued)
    std::string webhook_secret;             // HMAC-SHA256 key of the signature (never logged)
    std::vector<std::string> webhook_events{"message.new", "user.online", "user.offline"};
    milliseconds webhook_timeout{5000};        // one delivery attempt, connect to last byte
    std::size_t webhook_max_attempts = 10;     // then the event is parked as a dead letter
    milliseconds webhook_retry_base{1000};     // first retry after this, doubling...
    milliseconds webhook_retry_max{60000};     // ...up to this (10 attempts: about 4 minutes)
    std::size_t webhook_concurrency = 16;      // deliveries in flight per instance
    milliseconds webhook_claim_idle{30000};    // an event held this long untouched is taken over
    std::string webhook_ca_file;               // PEM CAs for https (empty: the system's)
    std::size_t webhook_max_recipients = 1000; // topic members checked for message.* per write

    /** True when senna must start and supervise its own redis-server. */
    bool managed_redis() const {
        return redis_url.empty() && redis_host.empty() && redis_cluster.empty();
    }
    /** The Redis URL to connect to (managed: the unix socket in data_dir). */
    std::string effective_redis_url() const;
    /** The unix socket path of the managed Redis, absolute. */
    std::string managed_redis_socket() const;
    bool production() const { return env == "production"; }
    /** True when /demo serves the demo web client (SOCK_DEMO, else only in development). */
    bool demo_enabled() const { return demo.value_or(env == "development"); }
    /** SOCK_ADMIN_MODE, or development when SOCK_ENV is, production otherwise. */
    std::string effective_admin_mode() const {
        return !admin_mode.empty()    ? admin_mode
               : env == "development" ? "development"
                                      : "production";
    }
    /** True when webhooks are on (SOCK_WEBHOOK_URL) and `event` is one of SOCK_WEBHOOK_EVENTS. */
    bool webhook_on(std::string_view event) const;
};

/** Every webhook event there is (SOCK_WEBHOOK_EVENTS). */
inline constexpr std::array<std::string_view, 5> webhook_event_names{
    "message.new", "message.updated", "message.deleted", "user.online", "user.offline"};

inline constexpr const char* default_jwt_secret = "scene-passage-love-rhyme";

} // namespace senna::config

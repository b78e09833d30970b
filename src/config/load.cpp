#include "config/load.hpp"

#include "util/address.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <thread>

namespace senna::config {

namespace {

// One declared setting: its variable, what it means, and how it reads and shows its value.
struct setting {
    const char* env;
    const char* help;
    std::function<void(config&, const std::string&)> set; // throws invalid_setting
    std::function<std::string(const config&)> show;
};

[[noreturn]] void fail(const char* env, const std::string& problem) {
    throw invalid_setting(std::string(env) + ": " + problem);
}

std::string in_quotes(const std::string& v) {
    return "'" + v + "'";
}

std::uint64_t parse_number(const char* env, const std::string& v, std::uint64_t lo,
                           std::uint64_t hi) {
    auto n = util::parse_uint(util::trim(v));
    if (!n)
        fail(env, in_quotes(v) + " is not a number");
    if (*n < lo || *n > hi)
        fail(env, in_quotes(v) + " is out of range (" + std::to_string(lo) + "-" +
                      std::to_string(hi) + ")");
    return *n;
}

bool parse_bool(const char* env, const std::string& v) {
    auto l = util::to_lower(util::trim(v));
    if (l == "1" || l == "true" || l == "yes" || l == "on")
        return true;
    if (l == "0" || l == "false" || l == "no" || l == "off" || l.empty())
        return false;
    fail(env, in_quotes(v) + " is not a boolean (1/0, true/false)");
}

std::string non_empty(const char* env, const std::string& v) {
    if (util::trim(v).empty())
        fail(env, "must not be empty");
    return v;
}

// "a, b,,c" -> {"a", "b", "c"}; and back, for --help.
std::vector<std::string> comma_list(const std::string& v) {
    std::vector<std::string> out;
    for (auto part : util::split(v, ',')) {
        auto t = util::trim(part);
        if (!t.empty())
            out.emplace_back(t);
    }
    return out;
}

std::string joined(const std::vector<std::string>& items) {
    std::string s;
    for (const auto& i : items)
        s += (s.empty() ? "" : ",") + i;
    return s;
}

template <class Member>
setting text(const char* env, const char* help, Member member, bool allow_empty = false) {
    return {env, help,
            [env, member, allow_empty](config& c, const std::string& v) {
                c.*member = allow_empty ? v : non_empty(env, v);
            },
            [member](const config& c) { return c.*member; }};
}

template <class Member>
setting number(const char* env, const char* help, Member member, std::uint64_t lo,
               std::uint64_t hi) {
    return {env, help,
            [env, member, lo, hi](config& c, const std::string& v) {
                using T = std::remove_reference_t<decltype(c.*member)>;
                c.*member = static_cast<T>(parse_number(env, v, lo, hi));
            },
            [member](const config& c) { return std::to_string(c.*member); }};
}

setting duration(const char* env, const char* help, milliseconds config::*member,
                 std::uint64_t lo_ms = 1, std::uint64_t hi_ms = 24ull * 3600 * 1000) {
    return {env, help,
            [env, member, lo_ms, hi_ms](config& c, const std::string& v) {
                c.*member = milliseconds(parse_number(env, v, lo_ms, hi_ms));
            },
            [member](const config& c) { return std::to_string((c.*member).count()); }};
}

// "512mb", "2gb", "1048576": bytes with Redis's units (k = 1000, kb = 1024, m, mb, g, gb; any
// case), so a value means what it would in redis.conf. 0 or at least 1 MiB.
std::uint64_t parse_bytes(const char* env, const std::string& v) {
    const std::string t = util::to_lower(util::trim(v));
    std::size_t digits = 0;
    while (digits < t.size() && std::isdigit(static_cast<unsigned char>(t[digits])))
        ++digits;
    struct unit {
        std::string_view name;
        std::uint64_t factor;
    };
    static constexpr unit units[] = {{"", 1},           {"b", 1},          {"k", 1000},
                                     {"kb", 1024},      {"m", 1000000},    {"mb", 1ull << 20},
                                     {"g", 1000000000}, {"gb", 1ull << 30}};
    std::optional<std::uint64_t> scale;
    const std::string_view unit_text = std::string_view(t).substr(digits);
    for (const auto& u : units)
        if (unit_text == u.name)
            scale = u.factor;
    auto n = digits == 0 ? std::nullopt : util::parse_uint(std::string_view(t).substr(0, digits));
    if (!n || !scale)
        fail(env, in_quotes(v) + " is not a size (bytes, or a number with kb, mb or gb)");
    if (*n > UINT64_MAX / *scale)
        fail(env, in_quotes(v) + " is too large");
    const std::uint64_t bytes = *n * *scale;
    if (bytes != 0 && bytes < (1u << 20))
        fail(env, in_quotes(v) + " is below 1mb (0 turns the limit off)");
    return bytes;
}

const std::array<const char*, 9> algorithms{"HS256", "HS384", "HS512", "RS256", "RS384",
                                            "RS512", "ES256", "ES384", "EdDSA"};

const std::vector<setting>& settings() {
    static const std::vector<setting> table{
        {"SOCK_ENV", "development or production (production refuses the default JWT secret)",
         [](config& c, const std::string& v) {
             auto l = util::to_lower(util::trim(v));
             if (l != "development" && l != "production" && l != "test")
                 fail("SOCK_ENV", in_quotes(v) + " is not one of development, production, test");
             c.env = l;
         },
         [](const config& c) { return c.env; }},
        text("SOCK_HTTP_HOST", "listen address (0.0.0.0 for all interfaces)", &config::http_host),
        number("SOCK_HTTP_PORT", "listen port (0: any free port, logged at start-up)",
               &config::http_port, 0, 65535),
        {"SOCK_DOMAIN_HANDLE", "key prefix of this deployment's data ([A-Za-z0-9_.-]{1,64})",
         [](config& c, const std::string& v) {
             if (v.empty() || v.size() > 64)
                 fail("SOCK_DOMAIN_HANDLE", "must be 1-64 characters");
             for (char ch : v)
                 if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '-' &&
                     ch != '.')
                     fail("SOCK_DOMAIN_HANDLE", in_quotes(v) + " may only hold A-Z a-z 0-9 _ - .");
             c.domain = v;
         },
         [](const config& c) { return c.domain; }},
        text("SOCK_REDIS_URL",
             "external Redis: redis://[user:pass@]host:port/db or unix:///path, or a Redis "
             "Cluster: redis+cluster://[user:pass@]host:port,host:port (unset: managed)",
             &config::redis_url, true),
        text("SOCK_REDIS_HOST",
             "external Redis host (seed's form; unset with SOCK_REDIS_URL: "
             "senna runs its own redis-server)",
             &config::redis_host, true),
        number("SOCK_REDIS_PORT", "external Redis port, with SOCK_REDIS_HOST", &config::redis_port,
               1, 65535),
        text("SOCK_REDIS_CLUSTER",
             "a Redis Cluster's seed nodes, [user:pass@]host:port,host:port (the same as "
             "SOCK_REDIS_URL=redis+cluster://...; database 0 only)",
             &config::redis_cluster, true),
        text("SOCK_REDIS_PREFIX", "prefix of every Redis key and fan-out channel",
             &config::redis_prefix),
        {"SOCK_REDIS_LAYOUT",
         "Redis key names: seed (SPEC's, the seed's own) or cluster (hash tags: a chat's keys in "
         "one slot, a user's in another; docs/storage.md)",
         [](config& c, const std::string& v) {
             auto l = util::to_lower(util::trim(v));
             if (l != "seed" && l != "cluster")
                 fail("SOCK_REDIS_LAYOUT", in_quotes(v) + " is not one of seed, cluster");
             c.redis_layout = l;
         },
         [](const config& c) { return c.redis_layout; }},
        {"SOCK_JWT_ALGORITHM", "HS256/384/512, RS256/384/512, ES256/384 or EdDSA (pinned)",
         [](config& c, const std::string& v) {
             for (const char* a : algorithms)
                 if (v == a) {
                     c.jwt_algorithm = v;
                     return;
                 }
             fail("SOCK_JWT_ALGORITHM", "unknown algorithm " + in_quotes(v) +
                                            " (HS256, HS384, HS512, RS256, RS384, RS512, "
                                            "ES256, ES384, EdDSA)");
         },
         [](const config& c) { return c.jwt_algorithm; }},
        text("SOCK_JWT_HEADER", "request header carrying the token (Authorization: Bearer too)",
             &config::jwt_header),
        {"SOCK_JWT_SECRET", "HMAC secret for HS* (never logged)",
         [](config& c, const std::string& v) { c.jwt_secret = non_empty("SOCK_JWT_SECRET", v); },
         [](const config&) { return std::string("scene-passage-love-rhyme (the seed's)"); }},
        text("SOCK_JWT_PUBLIC_KEY", "PEM file of the public key for RS*/ES*/EdDSA",
             &config::jwt_public_key_file, true),
        number("SOCK_JWT_LEEWAY", "seconds of clock skew allowed on exp and nbf",
               &config::jwt_leeway_seconds, 0, 3600),
        text("SOCK_API_URL", "the platform's API base for user/topic look-ups (unset: none)",
             &config::api_url, true),
        text("SOCK_API_USER_AGENT", "User-Agent of the platform look-ups", &config::api_user_agent),
        duration("SOCK_API_TIMEOUT_MS", "platform look-up timeout", &config::api_timeout),
        duration("SOCK_API_CACHE_TTL_MS", "profile look-up cache lifetime (platform or claims)",
                 &config::api_cache_ttl),
        {"SOCK_API_SESSION_FAIL_OPEN", "let sockets in when the platform's session check fails",
         [](config& c, const std::string& v) {
             c.api_session_fail_open = parse_bool("SOCK_API_SESSION_FAIL_OPEN", v);
         },
         [](const config& c) { return std::string(c.api_session_fail_open ? "1" : "0"); }},
        text("SOCK_DATA_DIR", "managed Redis data (append-only file, unix socket, log)",
             &config::data_dir),
        {"SOCK_THREADS", "event-loop threads (shards), 1-256",
         [](config& c, const std::string& v) {
             c.threads = static_cast<unsigned>(parse_number("SOCK_THREADS", v, 1, 256));
         },
         [](const config&) { return std::string("number of cores"); }},
        {"SOCK_CORS_ORIGINS", "allowed browser origins, comma-separated, or *",
         [](config& c, const std::string& v) {
             auto out = comma_list(v);
             if (out.empty())
                 fail("SOCK_CORS_ORIGINS", "must list at least one origin, or *");
             c.cors_origins = std::move(out);
         },
         [](const config& c) { return joined(c.cors_origins); }},
        {"SOCK_DEMO", "serve the demo web client at /demo (1/0; unset: on only in development)",
         [](config& c, const std::string& v) { c.demo = parse_bool("SOCK_DEMO", v); },
         [](const config& c) {
             return c.demo ? std::string(*c.demo ? "1" : "0")
                           : std::string("on in development, off otherwise");
         }},
        number("SOCK_MAX_TEXT_LENGTH", "longest text message, in Unicode code points",
               &config::max_text_length, 1, 1000000),
        number("SOCK_MAX_CONNECTIONS", "open client connections per instance; more are refused",
               &config::max_connections, 1, 10000000),
        {"SOCK_LOG_LEVEL", "debug, info, warn or error",
         [](config& c, const std::string& v) {
             auto l = util::to_lower(util::trim(v));
             if (l != "debug" && l != "info" && l != "warn" && l != "error")
                 fail("SOCK_LOG_LEVEL", in_quotes(v) + " is not one of debug, info, warn, error");
             c.log_level = l;
         },
         [](const config& c) { return c.log_level; }},
        number("SOCK_HTTP_HEADER_LIMIT", "largest request head in bytes (431 above)",
               &config::http_header_limit, 1024, 1024 * 1024),
        number("SOCK_HTTP_BODY_LIMIT", "largest request body in bytes (413 above)",
               &config::http_body_limit, 1024, 64 * 1024 * 1024),
        duration("SOCK_HTTP_REQUEST_TIMEOUT_MS",
                 "time to receive a whole request once it starts (cuts slow senders)",
                 &config::http_request_timeout),
        duration("SOCK_HTTP_IDLE_TIMEOUT_MS", "keep-alive wait for the next request",
                 &config::http_idle_timeout),
        duration("SOCK_HTTP_WRITE_TIMEOUT_MS", "time to write a response to a slow reader",
                 &config::http_write_timeout),
        duration("SOCK_SHUTDOWN_TIMEOUT_MS", "drain time on SIGTERM before connections are cut",
                 &config::shutdown_timeout),
        duration("SOCK_REDIS_CONNECT_TIMEOUT_MS", "Redis connect timeout",
                 &config::redis_connect_timeout),
        duration("SOCK_REDIS_COMMAND_TIMEOUT_MS",
                 "a Redis reply later than this fails and the connection is reset",
                 &config::redis_command_timeout),
        duration("SOCK_REDIS_REPLICA_WAIT_MS",
                 "Redis Cluster: how long a write waits for a replica to have it before it is "
                 "answered (WAIT; 0: no wait)",
                 &config::redis_replica_wait),
        text("SOCK_REDIS_SERVER", "redis-server binary of the managed Redis",
             &config::redis_server),
        {"SOCK_REDIS_MAXMEMORY",
         "memory limit of the managed Redis (bytes, or with kb, mb, gb; 0: none), policy "
         "noeviction: when full, new messages are refused (507 STORE_FULL). Unset: half of the "
         "machine's memory, or of the container's limit",
         [](config& c, const std::string& v) {
             c.redis_maxmemory = parse_bytes("SOCK_REDIS_MAXMEMORY", v);
         },
         [](const config& c) {
             return c.redis_maxmemory ? std::to_string(*c.redis_maxmemory) : std::string();
         }},
        duration("SOCK_EIO_PING_INTERVAL_MS", "Engine.IO heartbeat: the server pings this often",
                 &config::eio_ping_interval, 100),
        duration("SOCK_EIO_PING_TIMEOUT_MS",
                 "Engine.IO heartbeat: a client that does not answer a ping by then is dropped",
                 &config::eio_ping_timeout, 100),
        number("SOCK_EIO_MAX_PAYLOAD",
               "largest Socket.IO message or polling body in bytes (larger: disconnected)",
               &config::eio_max_payload, 1024, 64 * 1024 * 1024),
        number("SOCK_EIO_OUTBOX_LIMIT",
               "packets queued for one client before it is dropped as a slow consumer",
               &config::eio_outbox_limit, 16, 1000000),
        duration("SOCK_EIO_UPGRADE_TIMEOUT_MS",
                 "time a WebSocket probe has to complete the upgrade",
                 &config::eio_upgrade_timeout),
        duration("SOCK_EIO_CLOSE_TIMEOUT_MS",
                 "after its close frame, how long the server waits for the client's before "
                 "dropping TCP",
                 &config::eio_close_timeout),
        duration("SOCK_SIO_CONNECT_TIMEOUT_MS",
                 "a connection that joins no namespace within this time is closed",
                 &config::sio_connect_timeout),
        duration("SOCK_SIO_ACK_TIMEOUT_MS", "default wait for a client's acknowledgement",
                 &config::sio_ack_timeout),
        number("SOCK_SIO_MAX_EVENT_BYTES",
               "largest Socket.IO packet text (and attachments) in bytes; larger closes the "
               "connection (0: only SOCK_EIO_MAX_PAYLOAD)",
               &config::sio_max_event_bytes, 0, 64 * 1024 * 1024),
        number("SOCK_RATE_SEND_PER_SEC",
               "message writes (send, edit, delete; REST and socket) per user per second, per "
               "instance (0: no limit)",
               &config::rate_send_per_sec, 0, 1000000),
        number("SOCK_RATE_SEND_BURST", "message writes a user may make at once (0: no limit)",
               &config::rate_send_burst, 0, 1000000),
        number("SOCK_RATE_EVENTS_PER_SEC", "Socket.IO events per socket per second (0: no limit)",
               &config::rate_events_per_sec, 0, 1000000),
        number("SOCK_RATE_EVENTS_BURST",
               "Socket.IO events a socket may send at once; 10 times this many refused in a row "
               "disconnect it (0: no limit)",
               &config::rate_events_burst, 0, 1000000),
        number("SOCK_MAX_SOCKETS_PER_USER",
               "authenticated sockets per user per instance; more get CONNECT_ERROR (0: no limit)",
               &config::max_sockets_per_user, 0, 1000000),
        number("SOCK_MAX_TOPICS_PER_SOCKET",
               "topic rooms one socket may be in through join-topic (0: no limit)",
               &config::max_topics_per_socket, 0, 1000000),
        number("SOCK_MAX_CONNECTIONS_PER_IP",
               "open realtime connections (Socket.IO clients) per client address per instance; "
               "more get 429 at the handshake (0: no limit)",
               &config::max_connections_per_ip, 0, 10000000),
        {"SOCK_TRUSTED_PROXIES",
         "proxies (addresses or CIDR blocks, comma-separated) whose X-Forwarded-For names the "
         "client; unset: the header is ignored",
         [](config& c, const std::string& v) {
             std::vector<std::string> out;
             for (auto part : util::split(v, ',')) {
                 auto t = util::trim(part);
                 if (t.empty())
                     continue;
                 if (!util::parse_cidr(t))
                     fail("SOCK_TRUSTED_PROXIES",
                          in_quotes(std::string(t)) + " is not an address or CIDR block");
                 out.emplace_back(t);
             }
             c.trusted_proxies = std::move(out);
         },
         [](const config& c) {
             std::string s;
             for (const auto& o : c.trusted_proxies)
                 s += (s.empty() ? "" : ",") + o;
             return s;
         }},
        {"SOCK_ADMIN_SECRET",
         "HS256 key of admin API tokens (/admin/users/...; at least 32 characters, not "
         "SOCK_JWT_SECRET; never logged)",
         [](config& c, const std::string& v) {
             if (!v.empty() && v.size() < 32)
                 fail("SOCK_ADMIN_SECRET", "must be at least 32 characters");
             c.admin_secret = v;
         },
         [](const config& c) { return std::string(c.admin_secret.empty() ? "" : "(set)"); }},
        {"SOCK_ADMIN_CLAIM",
         "name=value: platform tokens carrying this claim (dotted path, e.g. role.handle=admin) "
         "may use the admin API",
         [](config& c, const std::string& v) {
             auto t = std::string(util::trim(v));
             if (!t.empty()) {
                 auto eq = t.find('=');
                 if (eq == std::string::npos || eq == 0 || eq + 1 == t.size())
                     fail("SOCK_ADMIN_CLAIM", in_quotes(v) + " is not name=value");
             }
             c.admin_claim = t;
         },
         [](const config& c) { return c.admin_claim; }},
        {"SOCK_ADMIN_UI",
         "serve the Socket.IO Admin UI: its namespace and the UI at /admin-ui/ (1/0)",
         [](config& c, const std::string& v) { c.admin_ui = parse_bool("SOCK_ADMIN_UI", v); },
         [](const config& c) { return std::string(c.admin_ui ? "1" : "0"); }},
        {"SOCK_ADMIN_NAMESPACE", "Socket.IO namespace of the Admin UI",
         [](config& c, const std::string& v) {
             auto t = std::string(util::trim(v));
             if (t.size() < 2 || t.size() > 64 || t[0] != '/' ||
                 t.find_first_of(",?#") != std::string::npos)
                 fail("SOCK_ADMIN_NAMESPACE", in_quotes(v) + " is not a namespace like /admin");
             c.admin_namespace = t;
         },
         [](const config& c) { return c.admin_namespace; }},
        text("SOCK_ADMIN_USERNAME", "Admin UI login name", &config::admin_username, true),
        {"SOCK_ADMIN_PASSWORD_HASH",
         "Admin UI password as a $2b$ bcrypt hash (e.g. from htpasswd -nbBC 12; never logged)",
         [](config& c, const std::string& v) {
             auto t = std::string(util::trim(v));
             if (!t.empty() &&
                 !(t.size() == 60 &&
                   (t.starts_with("$2b$") || t.starts_with("$2a$") || t.starts_with("$2y$"))))
                 fail("SOCK_ADMIN_PASSWORD_HASH", "is not a bcrypt hash ($2b$..., 60 characters)");
             c.admin_password_hash = t;
         },
         [](const config& c) { return std::string(c.admin_password_hash.empty() ? "" : "(set)"); }},
        {"SOCK_ADMIN_MODE",
         "Admin UI mode: development (every event, the sockets and rooms pages), production "
         "(aggregates only) or readonly (no commands)",
         [](config& c, const std::string& v) {
             auto l = util::to_lower(util::trim(v));
             if (l != "development" && l != "production" && l != "readonly")
                 fail("SOCK_ADMIN_MODE",
                      in_quotes(v) + " is not one of development, production, readonly");
             c.admin_mode = l;
         },
         [](const config& c) {
             return c.admin_mode.empty()
                        ? std::string("development when SOCK_ENV is, else production")
                        : c.admin_mode;
         }},
        duration("SOCK_AUTH_TIMEOUT_MS",
                 "a socket that connected without a token must `authenticate` within this time",
                 &config::auth_timeout, 100),
        duration("SOCK_PRESENCE_HEARTBEAT_MS",
                 "instance heartbeat for presence; a silent instance's users go inactive after 3",
                 &config::presence_heartbeat, 100),
        duration("SOCK_RECOVERY_WINDOW_MS",
                 "how long a dropped Socket.IO connection can be restored with what it missed "
                 "(0: no connection state recovery)",
                 &config::recovery_window, 0),
        {"SOCK_ADAPTER",
         "how instances reach each other: redis (@socket.io/redis-adapter), redis-streams "
         "(@socket.io/redis-streams-adapter) or redis-sharded (the redis-adapter's "
         "createShardedAdapter: SPUBLISH/SSUBSCRIBE per room, Redis 7+)",
         [](config& c, const std::string& v) {
             auto a = util::to_lower(util::trim(v));
             if (a != "redis" && a != "redis-streams" && a != "redis-sharded")
                 fail("SOCK_ADAPTER",
                      in_quotes(v) + " is not one of redis, redis-streams, redis-sharded");
             c.adapter = a;
         },
         [](const config& c) { return c.adapter; }},
        {"SOCK_ADAPTER_SKIP_UNHEARD",
         "redis adapter: a chat write publishes nothing while no other senna or Node "
         "redis-adapter instance is subscribed (1/0)",
         [](config& c, const std::string& v) {
             c.adapter_skip_unheard = parse_bool("SOCK_ADAPTER_SKIP_UNHEARD", v);
         },
         [](const config& c) { return std::string(c.adapter_skip_unheard ? "1" : "0"); }},
        duration("SOCK_PRESENCE_GRACE_MS",
                 "a user whose last socket went is shown offline (user.offline) only after this "
                 "long without one",
                 &config::presence_grace, 0, 3600 * 1000),
        number("SOCK_PRESENCE_WATCH_LIMIT", "users one socket may watch with watch-presence",
               &config::presence_watch_limit, 1, 10000),
        text("SOCK_WEBHOOK_URL", "http(s) URL that receives the webhook events (unset: none)",
             &config::webhook_url, true),
        {"SOCK_WEBHOOK_SECRET",
         "HMAC-SHA256 key of the webhooks' X-Senna-Signature, required with SOCK_WEBHOOK_URL "
         "(never logged)",
         [](config& c, const std::string& v) { c.webhook_secret = v; },
         [](const config& c) { return std::string(c.webhook_secret.empty() ? "" : "(set)"); }},
        {"SOCK_WEBHOOK_EVENTS",
         "webhook events sent, comma-separated: message.new, message.updated, message.deleted, "
         "user.online, user.offline",
         [](config& c, const std::string& v) {
             std::vector<std::string> out;
             for (auto& t : comma_list(v)) {
                 if (std::find(webhook_event_names.begin(), webhook_event_names.end(), t) ==
                     webhook_event_names.end())
                     fail("SOCK_WEBHOOK_EVENTS", in_quotes(t) +
                                                     " is not one of message.new, message.updated, "
                                                     "message.deleted, user.online, user.offline");
                 if (std::find(out.begin(), out.end(), t) == out.end())
                     out.push_back(t);
             }
             c.webhook_events = std::move(out);
         },
         [](const config& c) { return joined(c.webhook_events); }},
        duration("SOCK_WEBHOOK_TIMEOUT_MS",
                 "one webhook delivery attempt, from connecting to the answer's last byte",
                 &config::webhook_timeout, 100, 600 * 1000),
        number("SOCK_WEBHOOK_MAX_ATTEMPTS",
               "delivery attempts of one event before it is parked in the dead-letter stream",
               &config::webhook_max_attempts, 1, 100),
        duration("SOCK_WEBHOOK_RETRY_MS", "wait before the first retry; it doubles each attempt",
                 &config::webhook_retry_base, 1, 3600 * 1000),
        duration("SOCK_WEBHOOK_RETRY_MAX_MS", "longest wait between two attempts",
                 &config::webhook_retry_max, 1, 24ull * 3600 * 1000),
        number("SOCK_WEBHOOK_CONCURRENCY", "webhook deliveries in flight per instance",
               &config::webhook_concurrency, 1, 1024),
        duration("SOCK_WEBHOOK_CLAIM_MS",
                 "an event held this long by an instance that stopped renewing it (crashed) is "
                 "taken over by another",
                 &config::webhook_claim_idle, 300, 24ull * 3600 * 1000),
        text("SOCK_WEBHOOK_CA_FILE",
             "PEM file of the CAs an https webhook URL is verified against (unset: the system's)",
             &config::webhook_ca_file, true),
        number("SOCK_WEBHOOK_MAX_RECIPIENTS",
               "topic members a message write checks for message.* events; a topic with more "
               "gets none",
               &config::webhook_max_recipients, 1, 100000),
    };
    return table;
}

// SOCK_HTTP_PORT -> --http-port
std::string flag_of(const char* env) {
    std::string f = "--";
    for (const char* p = env + 5; *p; ++p)
        f += (*p == '_') ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(*p)));
    return f;
}

bool is_asymmetric(const std::string& alg) {
    return alg.rfind("HS", 0) != 0;
}

void validate(const config& c, bool require_public_key) {
    if (!c.redis_cluster.empty() && (!c.redis_url.empty() || !c.redis_host.empty()))
        fail("SOCK_REDIS_CLUSTER", "set either SOCK_REDIS_CLUSTER or SOCK_REDIS_URL / "
                                   "SOCK_REDIS_HOST, not both");
    if (c.production() && c.jwt_secret == default_jwt_secret && !is_asymmetric(c.jwt_algorithm))
        fail("SOCK_JWT_SECRET", "refusing to start: SOCK_ENV=production with the default secret");
    if (is_asymmetric(c.jwt_algorithm) && (require_public_key || !c.jwt_public_key_file.empty())) {
        if (c.jwt_public_key_file.empty())
            fail("SOCK_JWT_PUBLIC_KEY", "required for " + c.jwt_algorithm);
        std::ifstream f(c.jwt_public_key_file);
        if (!f)
            fail("SOCK_JWT_PUBLIC_KEY", in_quotes(c.jwt_public_key_file) + " cannot be read");
    }
    // The longest text a client may send must fit in one event, escaped as \uXXXX throughout.
    if (c.sio_max_event_bytes != 0 && c.sio_max_event_bytes < 12 * c.max_text_length + 4096)
        fail("SOCK_SIO_MAX_EVENT_BYTES",
             std::to_string(c.sio_max_event_bytes) +
                 " cannot carry a text of SOCK_MAX_TEXT_LENGTH=" +
                 std::to_string(c.max_text_length) + " code points: use at least " +
                 std::to_string(12 * c.max_text_length + 4096) + " (or 0)");
    const bool on_cluster =
        !c.redis_cluster.empty() || util::to_lower(c.redis_url).rfind("redis+cluster://", 0) == 0;
    if (on_cluster && c.redis_layout != "cluster")
        fail("SOCK_REDIS_LAYOUT",
             "must be cluster on a Redis Cluster (SOCK_REDIS_CLUSTER or a "
             "redis+cluster:// URL): the seed layout's writes span hash "
             "slots (docs/storage.md: senna migrate copies a seed deployment)");
    if (c.redis_layout == "cluster" && c.redis_prefix.find_first_of("{}") != std::string::npos)
        fail("SOCK_REDIS_PREFIX", "must not hold { or } with SOCK_REDIS_LAYOUT=cluster (a hash "
                                  "tag in the prefix would put every key in one slot)");
    if (!c.admin_secret.empty() && c.admin_secret == c.jwt_secret)
        fail("SOCK_ADMIN_SECRET", "must differ from SOCK_JWT_SECRET (user tokens are not admins)");
    if (!c.admin_claim.empty() && !is_asymmetric(c.jwt_algorithm) &&
        c.jwt_secret == default_jwt_secret)
        fail("SOCK_ADMIN_CLAIM", "refused with the default SOCK_JWT_SECRET: anyone can sign a "
                                 "token with that claim");
    if (c.admin_ui && (c.admin_username.empty() != c.admin_password_hash.empty()))
        fail(c.admin_username.empty() ? "SOCK_ADMIN_USERNAME" : "SOCK_ADMIN_PASSWORD_HASH",
             "the Admin UI needs both SOCK_ADMIN_USERNAME and SOCK_ADMIN_PASSWORD_HASH");
    if (c.admin_ui && c.production() && c.admin_password_hash.empty())
        fail("SOCK_ADMIN_UI", "refusing to start: SOCK_ENV=production without "
                              "SOCK_ADMIN_USERNAME and SOCK_ADMIN_PASSWORD_HASH");
    if (!c.webhook_url.empty()) {
        // An unsigned webhook invites forgery: whoever finds the URL could post events.
        if (c.webhook_secret.empty())
            fail("SOCK_WEBHOOK_SECRET", "required with SOCK_WEBHOOK_URL");
        const auto scheme = util::to_lower(c.webhook_url.substr(0, c.webhook_url.find("://")));
        if (scheme != "http" && scheme != "https")
            fail("SOCK_WEBHOOK_URL",
                 in_quotes(c.webhook_url) + " must start with http:// or https://");
    }
    if (!c.webhook_ca_file.empty()) {
        std::ifstream f(c.webhook_ca_file);
        if (!f)
            fail("SOCK_WEBHOOK_CA_FILE", in_quotes(c.webhook_ca_file) + " cannot be read");
    }
    if (c.webhook_retry_max < c.webhook_retry_base)
        fail("SOCK_WEBHOOK_RETRY_MAX_MS", "must not be below SOCK_WEBHOOK_RETRY_MS");
    if (c.managed_redis() && c.managed_redis_socket().size() >= 100)
        fail("SOCK_DATA_DIR", "path too long for the managed Redis unix socket (max ~100 bytes)");
}

} // namespace

std::optional<std::string> process_env(std::string_view name) {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v)
        return std::nullopt;
    return std::string(v);
}

load_outcome load(const std::vector<std::string>& args, const env_lookup& env,
                  bool require_public_key) {
    load_outcome out;
    config& c = out.cfg;
    for (const auto& s : settings())
        if (auto v = env(s.env))
            s.set(c, *v);

    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            out.show_help = true;
            continue;
        }
        if (a == "--version") {
            out.show_version = true;
            continue;
        }
        std::string name = a, value;
        bool has_value = false;
        if (auto eq = a.find('='); eq != std::string::npos) {
            name = a.substr(0, eq);
            value = a.substr(eq + 1);
            has_value = true;
        }
        const setting* match = nullptr;
        for (const auto& s : settings())
            if (flag_of(s.env) == name)
                match = &s;
        if (!match)
            throw invalid_setting(a + ": unknown option (see --help)");
        if (!has_value) {
            if (i + 1 >= args.size())
                throw invalid_setting(name + ": missing value");
            value = args[++i];
        }
        match->set(c, value);
    }
    if (c.threads == 0)
        c.threads = std::max(1u, std::thread::hardware_concurrency());
    if (c.managed_redis() && env("SOCK_REDIS_PORT"))
        out.warnings.emplace_back(
            "SOCK_REDIS_PORT is ignored without SOCK_REDIS_HOST: using the managed Redis");
    if (!c.managed_redis() && c.redis_maxmemory)
        out.warnings.emplace_back("SOCK_REDIS_MAXMEMORY is ignored with an external Redis: set "
                                  "maxmemory (and maxmemory-policy noeviction) on that server");
    if (!out.show_help && !out.show_version)
        validate(c, require_public_key);
    return out;
}

std::string help_text() {
    config defaults;
    std::string out = "senna: a realtime chat server (REST + Socket.IO over Redis)\n\n"
                      "Usage: senna [--flag VALUE]...   (senna --help, senna --version)\n\n"
                      "Every setting comes from its environment variable; a flag overrides it.\n\n";
    for (const auto& s : settings()) {
        std::string d = s.show(defaults);
        out += "  " + flag_of(s.env) + "  (" + s.env + ")\n      " + s.help +
               "\n      default: " + (d.empty() ? "unset" : d) + "\n";
    }
    return out;
}

} // namespace senna::config

#include "config/load.hpp"

#include <gtest/gtest.h>
#include <map>

namespace config = senna::config;

namespace {

config::load_outcome load(std::map<std::string, std::string> env,
                          std::vector<std::string> args = {}) {
    return config::load(args, [&](std::string_view name) -> std::optional<std::string> {
        auto it = env.find(std::string(name));
        if (it == env.end())
            return std::nullopt;
        return it->second;
    });
}

std::string error_of(std::map<std::string, std::string> env, std::vector<std::string> args = {}) {
    try {
        load(std::move(env), std::move(args));
    } catch (const config::invalid_setting& e) {
        return e.what();
    }
    return "no error";
}

} // namespace

TEST(config_load, defaults_follow_spec_section_1) {
    auto c = load({}).cfg;
    EXPECT_EQ(c.env, "development");
    EXPECT_EQ(c.http_host, "localhost");
    EXPECT_EQ(c.http_port, 3005);
    EXPECT_EQ(c.domain, "myplatform");
    EXPECT_EQ(c.redis_prefix, "senna-sockets");
    EXPECT_EQ(c.jwt_algorithm, "HS256");
    EXPECT_EQ(c.jwt_header, "X-Auth-Token");
    EXPECT_EQ(c.jwt_secret, "scene-passage-love-rhyme");
    EXPECT_EQ(c.api_user_agent, "Senna-Sockets-Server");
    EXPECT_EQ(c.data_dir, "./data");
    EXPECT_GE(c.threads, 1u);
    EXPECT_EQ(c.cors_origins, std::vector<std::string>{"*"});
    EXPECT_EQ(c.max_text_length, 10000u);
    EXPECT_EQ(c.max_connections, 100000u);
    EXPECT_FALSE(c.api_session_fail_open);
    EXPECT_TRUE(c.managed_redis());
    EXPECT_EQ(c.effective_redis_url().rfind("unix:///", 0), 0u);
}

TEST(config_load, environment_then_flags_override) {
    auto c = load({{"SOCK_HTTP_PORT", "8080"},
                   {"SOCK_THREADS", "3"},
                   {"SOCK_CORS_ORIGINS", "https://a.example, https://b.example"}},
                  {"--http-port", "9090", "--domain-handle=acme"})
                 .cfg;
    EXPECT_EQ(c.http_port, 9090);
    EXPECT_EQ(c.threads, 3u);
    EXPECT_EQ(c.domain, "acme");
    EXPECT_EQ(c.cors_origins, (std::vector<std::string>{"https://a.example", "https://b.example"}));
}

TEST(config_load, redis_cluster_seeds) {
    auto a = load({{"SOCK_REDIS_CLUSTER", ":pw@10.0.0.1:7000,10.0.0.2:7001"},
                   {"SOCK_REDIS_LAYOUT", "cluster"}})
                 .cfg;
    EXPECT_FALSE(a.managed_redis());
    EXPECT_EQ(a.effective_redis_url(), "redis+cluster://:pw@10.0.0.1:7000,10.0.0.2:7001");
    EXPECT_EQ(error_of({{"SOCK_REDIS_CLUSTER", "h:1"}, {"SOCK_REDIS_HOST", "h"}}),
              "SOCK_REDIS_CLUSTER: set either SOCK_REDIS_CLUSTER or SOCK_REDIS_URL / "
              "SOCK_REDIS_HOST, not both");
    EXPECT_NE(error_of({{"SOCK_REDIS_CLUSTER", "h:1"}, {"SOCK_REDIS_URL", "redis://h"}}),
              "no error");
    // SOCK_REDIS_PORT without a host is ignored with a cluster, and says nothing of a managed
    // Redis.
    EXPECT_TRUE(load({{"SOCK_REDIS_CLUSTER", "h:1"},
                      {"SOCK_REDIS_PORT", "1"},
                      {"SOCK_REDIS_LAYOUT", "cluster"}})
                    .warnings.empty());
    // The seed layout's writes span slots: a cluster needs the cluster layout, said at start.
    for (const char* where : {"SOCK_REDIS_CLUSTER", "SOCK_REDIS_URL"}) {
        const std::string value =
            std::string(where) == "SOCK_REDIS_URL" ? "redis+cluster://h:1,h:2" : "h:1,h:2";
        EXPECT_EQ(error_of({{where, value}}),
                  "SOCK_REDIS_LAYOUT: must be cluster on a Redis Cluster (SOCK_REDIS_CLUSTER or a "
                  "redis+cluster:// URL): the seed layout's writes span hash slots "
                  "(docs/storage.md: senna migrate copies a seed deployment)");
    }
}

TEST(config_load, external_redis_from_url_or_seed_host_port) {
    auto a = load({{"SOCK_REDIS_URL", "redis://:pw@10.0.0.1:6380/2"}}).cfg;
    EXPECT_FALSE(a.managed_redis());
    EXPECT_EQ(a.effective_redis_url(), "redis://:pw@10.0.0.1:6380/2");
    auto b = load({{"SOCK_REDIS_HOST", "127.0.0.1"}, {"SOCK_REDIS_PORT", "6390"}}).cfg;
    EXPECT_FALSE(b.managed_redis());
    EXPECT_EQ(b.effective_redis_url(), "redis://127.0.0.1:6390");
    auto c = load({{"SOCK_REDIS_PORT", "6390"}});
    EXPECT_TRUE(c.cfg.managed_redis());
    ASSERT_EQ(c.warnings.size(), 1u);
}

TEST(config_load, invalid_values_name_the_variable_and_the_problem) {
    EXPECT_EQ(error_of({{"SOCK_HTTP_PORT", "70000"}}),
              "SOCK_HTTP_PORT: '70000' is out of range (0-65535)");
    EXPECT_EQ(error_of({{"SOCK_HTTP_PORT", "-1"}}), "SOCK_HTTP_PORT: '-1' is not a number");
    EXPECT_EQ(error_of({{"SOCK_THREADS", "two"}}), "SOCK_THREADS: 'two' is not a number");
    EXPECT_EQ(error_of({{"SOCK_MAX_TEXT_LENGTH", "0"}}),
              "SOCK_MAX_TEXT_LENGTH: '0' is out of range (1-1000000)");
    EXPECT_EQ(error_of({{"SOCK_JWT_ALGORITHM", "none"}}),
              "SOCK_JWT_ALGORITHM: unknown algorithm 'none' (HS256, HS384, HS512, RS256, RS384, "
              "RS512, ES256, ES384, EdDSA)");
    EXPECT_EQ(error_of({{"SOCK_JWT_ALGORITHM", "RS256"}}),
              "SOCK_JWT_PUBLIC_KEY: required for RS256");
    EXPECT_EQ(error_of({{"SOCK_JWT_ALGORITHM", "ES256"},
                        {"SOCK_JWT_PUBLIC_KEY", "/nonexistent/key.pem"}}),
              "SOCK_JWT_PUBLIC_KEY: '/nonexistent/key.pem' cannot be read");
    EXPECT_EQ(error_of({{"SOCK_API_SESSION_FAIL_OPEN", "maybe"}}),
              "SOCK_API_SESSION_FAIL_OPEN: 'maybe' is not a boolean (1/0, true/false)");
    EXPECT_EQ(error_of({{"SOCK_ENV", "staging"}}),
              "SOCK_ENV: 'staging' is not one of development, production, test");
    EXPECT_EQ(error_of({}, {"--no-such-flag", "1"}), "--no-such-flag: unknown option (see --help)");
    EXPECT_EQ(error_of({}, {"--http-port"}), "--http-port: missing value");
}

TEST(config_load, production_refuses_the_default_secret) {
    EXPECT_EQ(error_of({{"SOCK_ENV", "production"}}),
              "SOCK_JWT_SECRET: refusing to start: SOCK_ENV=production with the default secret");
    auto c = load({{"SOCK_ENV", "production"}, {"SOCK_JWT_SECRET", "a-real-secret"}}).cfg;
    EXPECT_TRUE(c.production());
}

TEST(config_load, help_lists_every_variable_with_its_flag_and_default) {
    auto h = config::help_text();
    for (const char* v : {"SOCK_ENV",
                          "SOCK_HTTP_HOST",
                          "SOCK_HTTP_PORT",
                          "SOCK_DOMAIN_HANDLE",
                          "SOCK_REDIS_HOST",
                          "SOCK_REDIS_PORT",
                          "SOCK_REDIS_URL",
                          "SOCK_REDIS_PREFIX",
                          "SOCK_JWT_ALGORITHM",
                          "SOCK_JWT_HEADER",
                          "SOCK_JWT_SECRET",
                          "SOCK_JWT_PUBLIC_KEY",
                          "SOCK_API_URL",
                          "SOCK_API_USER_AGENT",
                          "SOCK_DATA_DIR",
                          "SOCK_THREADS",
                          "SOCK_CORS_ORIGINS",
                          "SOCK_MAX_TEXT_LENGTH",
                          "SOCK_MAX_CONNECTIONS",
                          "SOCK_API_SESSION_FAIL_OPEN"})
        EXPECT_NE(h.find(std::string("(") + v + ")"), std::string::npos) << v;
    EXPECT_NE(h.find("--http-port  (SOCK_HTTP_PORT)"), std::string::npos);
    EXPECT_NE(h.find("default: 3005"), std::string::npos);
    EXPECT_EQ(load({}, {"--help"}).show_help, true);
}

TEST(config_load, demo_is_on_in_development_and_off_in_production_unless_chosen) {
    EXPECT_TRUE(load({}).cfg.demo_enabled());
    EXPECT_FALSE(load({{"SOCK_ENV", "test"}}).cfg.demo_enabled());
    const std::map<std::string, std::string> prod{{"SOCK_ENV", "production"},
                                                  {"SOCK_JWT_SECRET", "a-real-secret"}};
    EXPECT_FALSE(load(prod).cfg.demo_enabled());
    auto prod_on = prod;
    prod_on["SOCK_DEMO"] = "true";
    EXPECT_TRUE(load(prod_on).cfg.demo_enabled());
    EXPECT_FALSE(load({{"SOCK_DEMO", "false"}}).cfg.demo_enabled());
    EXPECT_FALSE(load({}, {"--demo", "0"}).cfg.demo_enabled());
    EXPECT_EQ(error_of({{"SOCK_DEMO", "maybe"}}),
              "SOCK_DEMO: 'maybe' is not a boolean (1/0, true/false)");
    EXPECT_NE(config::help_text().find("--demo  (SOCK_DEMO)"), std::string::npos);
}

TEST(config_load, an_asymmetric_algorithm_may_go_without_a_public_key_when_told) {
    const std::map<std::string, std::string> env{{"SOCK_JWT_ALGORITHM", "RS256"}};
    EXPECT_EQ(error_of(env), "SOCK_JWT_PUBLIC_KEY: required for RS256");
    std::vector<std::string> none;
    auto c = config::load(
        none,
        [&](std::string_view n) -> std::optional<std::string> {
            auto it = env.find(std::string(n));
            return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
        },
        false);
    EXPECT_EQ(c.cfg.jwt_algorithm, "RS256");
}

TEST(config_load, abuse_limits_default_on_and_zero_turns_them_off) {
    auto c = load({}).cfg;
    EXPECT_EQ(c.rate_send_per_sec, 10u);
    EXPECT_EQ(c.rate_send_burst, 20u);
    EXPECT_EQ(c.rate_events_per_sec, 20u);
    EXPECT_EQ(c.rate_events_burst, 40u);
    EXPECT_EQ(c.max_sockets_per_user, 20u);
    EXPECT_EQ(c.max_topics_per_socket, 100u);
    EXPECT_EQ(c.sio_max_event_bytes, 128u * 1024);
    auto off = load({{"SOCK_RATE_SEND_PER_SEC", "0"},
                     {"SOCK_RATE_EVENTS_BURST", "0"},
                     {"SOCK_MAX_SOCKETS_PER_USER", "0"},
                     {"SOCK_MAX_TOPICS_PER_SOCKET", "0"},
                     {"SOCK_SIO_MAX_EVENT_BYTES", "0"}})
                   .cfg;
    EXPECT_EQ(off.rate_send_per_sec, 0u);
    EXPECT_EQ(off.rate_events_burst, 0u);
    EXPECT_EQ(off.max_sockets_per_user, 0u);
    EXPECT_EQ(off.max_topics_per_socket, 0u);
    EXPECT_EQ(off.sio_max_event_bytes, 0u);
    EXPECT_EQ(error_of({{"SOCK_RATE_SEND_BURST", "-1"}}),
              "SOCK_RATE_SEND_BURST: '-1' is not a number");
}

TEST(config_load, event_size_cap_must_carry_the_longest_text) {
    // 12 bytes per code point (an emoji as two \uXXXX escapes) plus 4 KiB of envelope.
    EXPECT_EQ(error_of({{"SOCK_SIO_MAX_EVENT_BYTES", "65536"}}),
              "SOCK_SIO_MAX_EVENT_BYTES: 65536 cannot carry a text of SOCK_MAX_TEXT_LENGTH=10000 "
              "code points: use at least 124096 (or 0)");
    EXPECT_EQ(error_of({{"SOCK_MAX_TEXT_LENGTH", "20000"}}),
              "SOCK_SIO_MAX_EVENT_BYTES: 131072 cannot carry a text of SOCK_MAX_TEXT_LENGTH=20000 "
              "code points: use at least 244096 (or 0)");
    EXPECT_EQ(load({{"SOCK_MAX_TEXT_LENGTH", "20000"}, {"SOCK_SIO_MAX_EVENT_BYTES", "244096"}})
                  .cfg.sio_max_event_bytes,
              244096u);
    EXPECT_EQ(load({{"SOCK_MAX_TEXT_LENGTH", "1000"}, {"SOCK_SIO_MAX_EVENT_BYTES", "16384"}})
                  .cfg.sio_max_event_bytes,
              16384u);
}

// Issue 17: the admin surfaces, the per-address limit and trusted proxies.
TEST(config_load, admin_settings_are_checked_and_never_shown) {
    const std::string secret(40, 's');
    auto c = load({{"SOCK_ADMIN_SECRET", secret},
                   {"SOCK_MAX_CONNECTIONS_PER_IP", "50"},
                   {"SOCK_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8 ,fd00::/8"}})
                 .cfg;
    EXPECT_EQ(c.admin_secret, secret);
    EXPECT_EQ(c.max_connections_per_ip, 50u);
    EXPECT_EQ(c.trusted_proxies, (std::vector<std::string>{"127.0.0.1", "10.0.0.0/8", "fd00::/8"}));
    EXPECT_EQ(config::config{}.max_connections_per_ip, 0u);
    EXPECT_EQ(error_of({{"SOCK_ADMIN_SECRET", "short"}}),
              "SOCK_ADMIN_SECRET: must be at least 32 characters");
    EXPECT_EQ(error_of({{"SOCK_ADMIN_SECRET", secret}, {"SOCK_JWT_SECRET", secret}}),
              "SOCK_ADMIN_SECRET: must differ from SOCK_JWT_SECRET (user tokens are not admins)");
    EXPECT_EQ(error_of({{"SOCK_ADMIN_CLAIM", "role.handle=admin"}}),
              "SOCK_ADMIN_CLAIM: refused with the default SOCK_JWT_SECRET: anyone can sign a token "
              "with that claim");
    EXPECT_EQ(error_of({{"SOCK_ADMIN_CLAIM", "admin"}}),
              "SOCK_ADMIN_CLAIM: 'admin' is not name=value");
    EXPECT_EQ(load({{"SOCK_ADMIN_CLAIM", "role.handle=admin"}, {"SOCK_JWT_SECRET", "other"}})
                  .cfg.admin_claim,
              "role.handle=admin");
    EXPECT_EQ(error_of({{"SOCK_TRUSTED_PROXIES", "10.0.0.0/40"}}),
              "SOCK_TRUSTED_PROXIES: '10.0.0.0/40' is not an address or CIDR block");
    // Secrets are never printed by --help.
    EXPECT_EQ(config::help_text().find(secret), std::string::npos);
}

TEST(config_load, the_admin_ui_needs_credentials_in_production) {
    const std::string hash = "$2b$12$" + std::string(53, 'a');
    EXPECT_EQ(load({{"SOCK_ADMIN_UI", "1"}}).cfg.effective_admin_mode(), "development");
    EXPECT_EQ(
        error_of({{"SOCK_ADMIN_UI", "1"}, {"SOCK_ENV", "production"}, {"SOCK_JWT_SECRET", "x"}}),
        "SOCK_ADMIN_UI: refusing to start: SOCK_ENV=production without SOCK_ADMIN_USERNAME "
        "and SOCK_ADMIN_PASSWORD_HASH");
    EXPECT_EQ(error_of({{"SOCK_ADMIN_UI", "1"}, {"SOCK_ADMIN_USERNAME", "admin"}}),
              "SOCK_ADMIN_PASSWORD_HASH: the Admin UI needs both SOCK_ADMIN_USERNAME and "
              "SOCK_ADMIN_PASSWORD_HASH");
    EXPECT_EQ(error_of({{"SOCK_ADMIN_PASSWORD_HASH", "plaintext"}}),
              "SOCK_ADMIN_PASSWORD_HASH: is not a bcrypt hash ($2b$..., 60 characters)");
    auto c = load({{"SOCK_ADMIN_UI", "1"},
                   {"SOCK_ENV", "production"},
                   {"SOCK_JWT_SECRET", "x"},
                   {"SOCK_ADMIN_USERNAME", "admin"},
                   {"SOCK_ADMIN_PASSWORD_HASH", hash}})
                 .cfg;
    EXPECT_EQ(c.effective_admin_mode(), "production");
    EXPECT_EQ(load({{"SOCK_ADMIN_MODE", "readonly"}}).cfg.effective_admin_mode(), "readonly");
    EXPECT_EQ(error_of({{"SOCK_ADMIN_MODE", "chaos"}}),
              "SOCK_ADMIN_MODE: 'chaos' is not one of development, production, readonly");
    EXPECT_EQ(error_of({{"SOCK_ADMIN_NAMESPACE", "admin"}}),
              "SOCK_ADMIN_NAMESPACE: 'admin' is not a namespace like /admin");
    EXPECT_EQ(config::help_text().find(hash), std::string::npos);
}

TEST(config_load, managed_redis_maxmemory_takes_redis_units) {
    EXPECT_FALSE(load({}).cfg.redis_maxmemory); // unset: app::default_maxmemory decides
    const auto bytes = [](const char* v) {
        return load({{"SOCK_REDIS_MAXMEMORY", v}}).cfg.redis_maxmemory.value_or(42);
    };
    // As in redis.conf: k/m/g are powers of 1000, kb/mb/gb of 1024; any case.
    EXPECT_EQ(bytes("0"), 0u);
    EXPECT_EQ(bytes("1048576"), 1048576u);
    EXPECT_EQ(bytes("4mb"), 4u << 20);
    EXPECT_EQ(bytes("4MB"), 4u << 20);
    EXPECT_EQ(bytes("2m"), 2000000u);
    EXPECT_EQ(bytes("2048kb"), 2u << 20);
    EXPECT_EQ(bytes("2000k"), 2000000u);
    EXPECT_EQ(bytes("3gb"), 3ull << 30);
    EXPECT_EQ(bytes("3g"), 3000000000u);
    EXPECT_EQ(bytes(" 16mb "), 16u << 20);
    EXPECT_EQ(load({}, {"--redis-maxmemory", "8mb"}).cfg.redis_maxmemory, 8u << 20);
    EXPECT_EQ(error_of({{"SOCK_REDIS_MAXMEMORY", "lots"}}),
              "SOCK_REDIS_MAXMEMORY: 'lots' is not a size (bytes, or a number with kb, mb or gb)");
    EXPECT_EQ(error_of({{"SOCK_REDIS_MAXMEMORY", "4tb"}}),
              "SOCK_REDIS_MAXMEMORY: '4tb' is not a size (bytes, or a number with kb, mb or gb)");
    EXPECT_EQ(error_of({{"SOCK_REDIS_MAXMEMORY", "mb"}}),
              "SOCK_REDIS_MAXMEMORY: 'mb' is not a size (bytes, or a number with kb, mb or gb)");
    EXPECT_EQ(error_of({{"SOCK_REDIS_MAXMEMORY", "-1"}}),
              "SOCK_REDIS_MAXMEMORY: '-1' is not a size (bytes, or a number with kb, mb or gb)");
    EXPECT_EQ(error_of({{"SOCK_REDIS_MAXMEMORY", "512kb"}}),
              "SOCK_REDIS_MAXMEMORY: '512kb' is below 1mb (0 turns the limit off)");
    EXPECT_EQ(error_of({{"SOCK_REDIS_MAXMEMORY", "99999999999999999999gb"}}),
              "SOCK_REDIS_MAXMEMORY: '99999999999999999999gb' is not a size (bytes, or a number "
              "with kb, mb or gb)");
    EXPECT_EQ(error_of({{"SOCK_REDIS_MAXMEMORY", "17179869184gb"}}),
              "SOCK_REDIS_MAXMEMORY: '17179869184gb' is too large");
    // An external Redis has its own maxmemory: the setting is ignored, with a warning.
    auto ext =
        load({{"SOCK_REDIS_URL", "redis://10.0.0.1:6379/0"}, {"SOCK_REDIS_MAXMEMORY", "1gb"}});
    ASSERT_EQ(ext.warnings.size(), 1u);
    EXPECT_EQ(ext.warnings[0], "SOCK_REDIS_MAXMEMORY is ignored with an external Redis: set "
                               "maxmemory (and maxmemory-policy noeviction) on that server");
    EXPECT_NE(config::help_text().find("--redis-maxmemory  (SOCK_REDIS_MAXMEMORY)"),
              std::string::npos);
}

TEST(config_load, webhooks_are_off_until_a_url_and_then_need_a_secret) {
    auto off = load({}).cfg;
    EXPECT_TRUE(off.webhook_url.empty());
    EXPECT_FALSE(off.webhook_on("message.new"));
    EXPECT_EQ(off.presence_grace, std::chrono::milliseconds(10000));
    EXPECT_EQ(off.presence_watch_limit, 100u);
    EXPECT_EQ(off.webhook_events,
              (std::vector<std::string>{"message.new", "user.online", "user.offline"}));

    auto on = load({{"SOCK_WEBHOOK_URL", "https://hooks.example/in"},
                    {"SOCK_WEBHOOK_SECRET", "s"},
                    {"SOCK_WEBHOOK_EVENTS", " message.deleted, user.offline,message.deleted "}})
                  .cfg;
    EXPECT_TRUE(on.webhook_on("message.deleted"));
    EXPECT_TRUE(on.webhook_on("user.offline"));
    EXPECT_FALSE(on.webhook_on("message.new"));
    EXPECT_EQ(on.webhook_events, (std::vector<std::string>{"message.deleted", "user.offline"}));

    EXPECT_EQ(error_of({{"SOCK_WEBHOOK_URL", "http://h/"}}),
              "SOCK_WEBHOOK_SECRET: required with SOCK_WEBHOOK_URL");
    EXPECT_EQ(error_of({{"SOCK_WEBHOOK_URL", "h/in"}, {"SOCK_WEBHOOK_SECRET", "s"}}),
              "SOCK_WEBHOOK_URL: 'h/in' must start with http:// or https://");
    EXPECT_EQ(error_of({{"SOCK_WEBHOOK_EVENTS", "message.new,typing"}}),
              "SOCK_WEBHOOK_EVENTS: 'typing' is not one of message.new, message.updated, "
              "message.deleted, user.online, user.offline");
    EXPECT_EQ(error_of({{"SOCK_WEBHOOK_RETRY_MS", "5000"}, {"SOCK_WEBHOOK_RETRY_MAX_MS", "1000"}}),
              "SOCK_WEBHOOK_RETRY_MAX_MS: must not be below SOCK_WEBHOOK_RETRY_MS");
    EXPECT_EQ(error_of({{"SOCK_WEBHOOK_CA_FILE", "/nonexistent/ca.pem"}}),
              "SOCK_WEBHOOK_CA_FILE: '/nonexistent/ca.pem' cannot be read");
    EXPECT_EQ(error_of({{"SOCK_WEBHOOK_CLAIM_MS", "100"}}),
              "SOCK_WEBHOOK_CLAIM_MS: '100' is out of range (300-86400000)");
    // The secret never shows, not even in --help.
    auto h = config::help_text();
    EXPECT_NE(h.find("(SOCK_WEBHOOK_SECRET)"), std::string::npos);
    EXPECT_NE(h.find("(SOCK_PRESENCE_GRACE_MS)"), std::string::npos);
}

#include "app/server.hpp"

#include "admin/admin_ui.hpp"
#include "api/deliveries.hpp"
#include "app/managed_redis.hpp"
#include "app/shard.hpp"
#include "app/shared_state.hpp"
#include "platform/url.hpp"
#include "util/log.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>

#include <algorithm>
#include <csignal>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace senna::app {

namespace {

using namespace std::chrono_literals;

auth::verifier make_verifier(const config::config& cfg) {
    auto alg = auth::parse_algorithm(cfg.jwt_algorithm);
    if (!alg)
        throw std::runtime_error("SOCK_JWT_ALGORITHM: unknown algorithm '" + cfg.jwt_algorithm +
                                 "'");
    std::string key = cfg.jwt_secret;
    if (!auth::is_hmac(*alg)) {
        std::ifstream f(cfg.jwt_public_key_file);
        std::stringstream ss;
        ss << f.rdbuf();
        if (!f)
            throw std::runtime_error("SOCK_JWT_PUBLIC_KEY: '" + cfg.jwt_public_key_file +
                                     "' cannot be read");
        key = ss.str();
    }
    auto v = auth::verifier::create(*alg, key);
    if (!v)
        throw std::runtime_error(std::string("SOCK_JWT_PUBLIC_KEY: not a usable public key for ") +
                                 cfg.jwt_algorithm + " (" + v.error().message() + ")");
    return std::move(*v);
}

// The demo mints tokens with the server's HMAC secret, outside production only: an RS*/ES*/
// EdDSA deployment gives senna no private key, and a production one must not let anyone sign.
std::optional<auth::signing_key> make_demo_signer(const config::config& cfg) {
    auto alg = auth::parse_algorithm(cfg.jwt_algorithm);
    if (!alg || !auth::is_hmac(*alg) || cfg.production())
        return std::nullopt;
    auto key = auth::signing_key::create(*alg, cfg.jwt_secret);
    if (!key)
        return std::nullopt;
    return std::move(*key);
}

std::vector<net::tcp::endpoint> resolve_listen(const config::config& cfg) {
    net::asio::io_context ioc;
    net::tcp::resolver resolver(ioc);
    net::error_code ec;
    auto results = resolver.resolve(cfg.http_host, std::to_string(cfg.http_port),
                                    net::tcp::resolver::passive, ec);
    if (ec)
        throw std::runtime_error("SOCK_HTTP_HOST: cannot resolve '" + cfg.http_host +
                                 "': " + ec.message());
    std::vector<net::tcp::endpoint> out;
    for (const auto& r : results)
        if (std::find(out.begin(), out.end(), r.endpoint()) == out.end())
            out.push_back(r.endpoint());
    return out;
}

std::string url_of(const net::tcp::endpoint& ep) {
    auto a = ep.address();
    std::string host = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
    return "http://" + host + ":" + std::to_string(ep.port());
}

// How long log entries are kept (XADD MINID ~): a session is kept for the window from the
// moment its server noticed the drop, which comes up to a ping interval and timeout after it
// (or, for a crashed instance, up to four presence heartbeats); every event the client can
// have missed since the drop is then still in the log.
std::chrono::milliseconds recovery_retention(const config::config& cfg) {
    return cfg.recovery_window + cfg.eio_ping_interval + cfg.eio_ping_timeout +
           4 * cfg.presence_heartbeat;
}

// Where a browser on this machine reaches a listener: 0.0.0.0 / [::] become the loopback.
std::string browser_url_of(net::tcp::endpoint ep) {
    if (ep.address().is_unspecified())
        ep.address(ep.address().is_v6()
                       ? net::asio::ip::address(net::asio::ip::address_v6::loopback())
                       : net::asio::ip::address(net::asio::ip::address_v4::loopback()));
    return url_of(ep);
}

// Waits for SIGINT/SIGTERM, then drains: no new connections, idle ones closed, busy ones
// finish their request; after the drain deadline whatever is left is cut.
net::awaitable<void> stop_on_signal(net::asio::signal_set& signals,
                                    std::vector<std::unique_ptr<shard>>& shards,
                                    shared_state& shared, net::asio::io_context& control) {
    auto [ec, sig] = co_await signals.async_wait(net::use_tuple);
    if (ec)
        co_return;
    const auto& cfg = shared.cfg;
    log::info("shutdown", {{"signal", sig}, {"drain_ms", long(cfg.shutdown_timeout.count())}});
    co_await shared.hub->stop();
    co_await shared.moderation->stop();
    if (shared.admin_ui)
        co_await shared.admin_ui->stop();
    for (auto& s : shards)
        s->drain();
    // Attempts in flight end (bounded by SOCK_WEBHOOK_TIMEOUT_MS) and are acknowledged; what
    // this instance still holds is taken over by another after SOCK_WEBHOOK_CLAIM_MS.
    if (shared.webhooks)
        co_await shared.webhooks->stop();
    auto deadline = std::chrono::steady_clock::now() + cfg.shutdown_timeout;
    net::steady_timer t(control);
    // The shards' Redis connections stop below: first the hub deletes this instance's
    // heartbeat key through shard 0's (otherwise other instances count its users as present
    // until the key expires). Bounded by the Redis command timeout and the drain deadline.
    while ((shared.http_metrics->open_connections() > 0 || !shared.hub->retired()) &&
           std::chrono::steady_clock::now() < deadline) {
        t.expires_after(20ms);
        co_await t.async_wait(net::use_tuple);
    }
    if (auto open = shared.http_metrics->open_connections(); open > 0)
        log::warn("shutdown_forced", {{"open_connections", long(open)}});
    for (auto& s : shards)
        s->stop();
    control.stop();
}

// Start-up once the shards run, then the wait for a signal: accept only once every shard's
// Redis connection is up (bounded by the connect timeout), so the first requests after
// "listening" do not meet a 503 from a shard still connecting (a Redis that is down at start-up
// does not keep senna from starting: /readyz says 503); and only after the hub's control
// channel and first presence heartbeat, so no socket is counted before them.
net::awaitable<void> serve(std::vector<std::unique_ptr<shard>>& shards, shared_state& shared,
                           const std::vector<net::tcp::endpoint>& bound, bool managed,
                           net::asio::signal_set& signals, net::asio::io_context& control) {
    const auto& cfg = shared.cfg;
    const auto ready_by = std::chrono::steady_clock::now() + cfg.redis_connect_timeout;
    net::steady_timer t(control);
    for (auto& s : shards) {
        for (;;) {
            const bool up = co_await s->redis_ready(); // never in a condition (check_pitfalls)
            if (up || std::chrono::steady_clock::now() >= ready_by)
                break;
            t.expires_after(5ms);
            co_await t.async_wait(net::use_tuple);
        }
    }
    co_await shared.hub->start();
    // The moderation state before any request is answered: a restarted instance honours bans.
    co_await shared.moderation->start();
    if (shared.admin_ui)
        co_await shared.admin_ui->start();
    if (shared.webhooks)
        co_await shared.webhooks->start();
    for (auto& s : shards)
        s->accept();
    for (const auto& e : bound)
        log::info("listening", {{"url", url_of(e)}, {"threads", cfg.threads}});
    log::info("redis", {{"endpoint", redis::describe(shared.redis_endpoint)},
                        {"managed", managed},
                        {"prefix", cfg.redis_prefix}});
    if (shared.demo)
        log::info("demo", {{"url", browser_url_of(bound.front()) + "/demo"},
                           {"tokens", shared.demo_signer ? "minted" : "paste"}});
    if (shared.admin_ui) {
        const auto& a = shared.admin_ui->config();
        log::info("admin_ui", {{"url", browser_url_of(bound.front()) + "/admin-ui/"},
                               {"namespace", a.namespace_name},
                               {"mode", cfg.effective_admin_mode()},
                               {"server_id", a.server_id}});
        if (a.username.empty())
            log::warn("admin_ui_without_login", {{"hint", "set SOCK_ADMIN_USERNAME and "
                                                          "SOCK_ADMIN_PASSWORD_HASH"}});
    }
    co_await stop_on_signal(signals, shards, shared, control);
}

} // namespace

server::server(config::config cfg) : cfg_(std::move(cfg)) {}

int server::run() {
    log::level lvl = log::level::info;
    log::parse_level(cfg_.log_level, lvl);
    log::set_level(lvl);

    net::asio::io_context control{1};
    // Signals are caught before any thread starts so every thread inherits the handling.
    net::asio::signal_set signals(control, SIGINT, SIGTERM);
    std::signal(SIGPIPE, SIG_IGN);

    shared_state shared{.cfg = cfg_, .verifier = make_verifier(cfg_)};
    if (cfg_.demo_enabled()) {
        shared.demo_signer = make_demo_signer(cfg_);
        shared.demo = std::make_unique<api::demo_services>(
            api::demo_services{shared.demo_signer ? &*shared.demo_signer : nullptr, 3600,
                               [] { return static_cast<std::int64_t>(std::time(nullptr)); }});
    }
    if (cfg_.max_connections_per_ip != 0)
        shared.per_address = std::make_unique<engineio::address_limit>(cfg_.max_connections_per_ip);
    if (!cfg_.admin_secret.empty()) {
        auto v = auth::verifier::create(auth::algorithm::hs256, cfg_.admin_secret);
        if (!v)
            throw std::runtime_error("SOCK_ADMIN_SECRET: " + v.error().message());
        shared.admin_verifier.emplace(std::move(*v));
    }
    shared.limits = std::make_unique<api::abuse_limits>(api::abuse_settings{
        util::rate{cfg_.rate_send_per_sec, cfg_.rate_send_burst},
        util::rate{cfg_.rate_events_per_sec, cfg_.rate_events_burst},
        cfg_.max_sockets_per_user,
        cfg_.max_topics_per_socket,
    });
    if (!cfg_.api_url.empty()) {
        std::string why;
        if (!platform::parse_base_url(cfg_.api_url, why))
            throw std::runtime_error("SOCK_API_URL: " + why);
    }
    std::optional<platform::base_url> webhook_url;
    if (!cfg_.webhook_url.empty()) {
        std::string why;
        webhook_url = platform::parse_base_url(cfg_.webhook_url, why, platform::url_use::webhook);
        if (!webhook_url)
            throw std::runtime_error("SOCK_WEBHOOK_URL: " + why);
        const chat::keys k = key_space(cfg_);
        shared.notices = std::make_unique<api::webhook_notices>(api::webhook_notices{
            k.webhooks(),
            k,
            cfg_.webhook_on("message.new"),
            cfg_.webhook_on("message.updated"),
            cfg_.webhook_on("message.deleted"),
            cfg_.webhook_max_recipients,
            &shared.webhook_stats,
        });
    }

    // Before anything starts: a port another process listens on is refused (SO_REUSEPORT would
    // let this process join it silently and take half of its connections).
    const auto endpoints = resolve_listen(cfg_);
    for (const auto& e : endpoints) {
        bool taken = false;
        try {
            taken = http::port_taken(e);
        } catch (const std::exception& ex) {
            throw std::runtime_error("SOCK_HTTP_PORT: cannot listen on " + url_of(e) + ": " +
                                     ex.what());
        }
        if (taken)
            throw std::runtime_error("SOCK_HTTP_PORT: another process already listens on " +
                                     url_of(e) +
                                     " (is senna already running?): stop it or choose another "
                                     "port");
    }

    std::unique_ptr<managed_redis> managed;
    if (cfg_.managed_redis()) {
        auto dir = std::filesystem::absolute(cfg_.data_dir).lexically_normal().string();
        managed_redis_settings ms{cfg_.redis_server, dir, cfg_.managed_redis_socket()};
        ms.maxmemory = cfg_.redis_maxmemory.value_or(default_maxmemory());
        managed = std::make_unique<managed_redis>(control, std::move(ms));
        managed->start();
        managed->supervise();
    }
    auto ep = redis::parse_url(cfg_.effective_redis_url());
    if (!ep)
        throw std::runtime_error(std::string(!cfg_.redis_cluster.empty() ? "SOCK_REDIS_CLUSTER"
                                             : cfg_.redis_url.empty()    ? "SOCK_REDIS_HOST"
                                                                         : "SOCK_REDIS_URL") +
                                 ": " + ep.error());
    shared.redis_endpoint = *ep;

    // The route labels come from the route table, which every shard builds the same way.
    {
        http::router probe;
        api::rest_services none{.auth = {.verifier = shared.verifier, .leeway_seconds = 0}};
        api::add_routes(probe, none);
        api::admin_services no_admin;
        api::add_admin_routes(probe, no_admin);
        if (cfg_.admin_ui)
            api::add_admin_ui_routes(probe);
        if (shared.demo)
            api::add_demo_routes(probe, *shared.demo);
        add_socketio_routes(probe, nullptr);
        std::vector<std::string> labels;
        for (const auto& r : probe.routes())
            labels.push_back(r.pattern);
        shared.http_metrics = std::make_unique<http::request_metrics>(std::move(labels));
    }

    {
        realtime::hub_settings hs;
        hs.endpoint = shared.redis_endpoint;
        hs.subscriber_options.connect_timeout = cfg_.redis_connect_timeout;
        hs.subscriber_options.command_timeout = cfg_.redis_command_timeout;
        hs.subscriber_options.name = "subscriber";
        hs.subscriber_options.metrics = &shared.redis_stats;
        hs.publisher_options = hs.subscriber_options;
        const redis::connection_options hs_options = hs.subscriber_options;
        hs.publisher_options.name = "publisher";
        hs.adapter_prefix = cfg_.redis_prefix;
        hs.heartbeat = cfg_.presence_heartbeat;
        // Offline transitions are due at the end of the grace window: looked for this often.
        hs.presence_tick =
            std::clamp<std::chrono::milliseconds>(cfg_.presence_grace / 5, 50ms, 1000ms);
        hs.instance_id = realtime::make_instance_id();
        // Connection state recovery and the adapter (docs/recovery.md): one stream, named like
        // the adapter's key, is the log of both modes and the fan-out of the streams mode.
        hs.mode = cfg_.adapter == "redis-streams"   ? realtime::adapter_mode::redis_streams
                  : cfg_.adapter == "redis-sharded" ? realtime::adapter_mode::redis_sharded
                                                    : realtime::adapter_mode::redis;
        hs.stream = cfg_.redis_prefix;
        hs.offsets = cfg_.recovery_window.count() > 0;
        // PUBSUB NUMSUB counts the subscribers of the node asked only: on a Redis Cluster the
        // other instances' subscribers sit on any node, so "nobody listens" cannot be known
        // there and every write publishes (ADR 0013 §8, ADR 0014).
        // The sharded mode has no skip (ADR 0015 §6): a room's channel is heard only where the
        // room has members.
        hs.skip_unheard = cfg_.adapter_skip_unheard && !shared.redis_endpoint.cluster() &&
                          hs.mode == realtime::adapter_mode::redis;
        hs.retention = recovery_retention(cfg_);
        hs.reader_options = hs.subscriber_options;
        hs.reader_options.name = "stream-reader";
        hs.block = std::chrono::milliseconds(std::max<long long>(
            100, std::min<long long>(5000, cfg_.redis_command_timeout.count() / 2)));
        hs.redis_prefix = cfg_.redis_prefix;
        hs.domain = cfg_.domain;
        hs.layout = key_space(cfg_).key_layout();
        hs.presence_event = api::presence_payload;
        shared.hub = std::make_unique<realtime::hub>(std::move(hs));
        realtime::moderation_settings ms;
        ms.keys = key_space(cfg_);
        ms.control_channel = shared.hub->settings().control_channel;
        shared.moderation = std::make_unique<realtime::moderation>(std::move(ms));
        shared.hub->set_moderation(shared.moderation.get());
        if (cfg_.admin_ui) {
            admin::settings as;
            as.namespace_name = cfg_.admin_namespace;
            as.username = cfg_.admin_username;
            as.password_hash = cfg_.admin_password_hash;
            const auto m = cfg_.effective_admin_mode();
            as.mode = m == "production" ? admin::mode::production
                      : m == "readonly" ? admin::mode::readonly
                                        : admin::mode::development;
            as.server_id = shared.hub->settings().instance_id;
            as.prefix = cfg_.redis_prefix;
            as.endpoint = shared.redis_endpoint;
            as.redis_options = hs_options;
            as.clients = [&shared] {
                return shared.eio_metrics.open(engineio::transport_kind::polling) +
                       shared.eio_metrics.open(engineio::transport_kind::websocket);
            };
            as.polling_clients = [&shared] {
                return shared.eio_metrics.open(engineio::transport_kind::polling);
            };
            as.refusals = &shared.refusals;
            shared.admin_ui = std::make_unique<admin::admin_ui>(std::move(as));
        }
    }

    std::vector<std::unique_ptr<shard>> shards;
    for (unsigned i = 0; i < cfg_.threads; ++i)
        shards.push_back(std::make_unique<shard>(i, shared));
    // Every shard's Engine.IO server knows its peers, so a request for another shard's session
    // reaches its owner.
    std::vector<engineio::server*> engines;
    engines.reserve(shards.size());
    for (auto& s : shards)
        engines.push_back(&s->engine());
    for (auto& s : shards)
        s->engine().set_peers(engines);
    // Instance-wide broadcast (socketio::cluster), per-shard user sockets and presence.
    {
        std::vector<realtime::shard_link> links;
        links.reserve(shards.size());
        for (auto& s : shards)
            links.push_back(s->realtime_link());
        shared.hub->attach(std::move(links));
        std::vector<realtime::moderation_shard> mods;
        mods.reserve(shards.size());
        for (auto& s : shards)
            mods.push_back(s->moderation_link());
        shared.moderation->attach(std::move(mods), &shards[0]->redis());
        if (shared.admin_ui) {
            std::vector<admin::shard> admins;
            admins.reserve(shards.size());
            for (auto& s : shards)
                admins.push_back(admin::shard{
                    s->context().get_executor(), &s->io(),
                    [](const socketio::socket& sock) { return api::describe_socket(sock); }});
            shared.admin_ui->attach(std::move(admins));
        }
    }
    if (webhook_url) {
        const chat::keys k = key_space(cfg_);
        webhook::dispatcher_settings ws;
        ws.url = *webhook_url;
        ws.secret = cfg_.webhook_secret;
        ws.stream = k.webhooks();
        ws.dead_stream = k.webhooks_dead();
        ws.consumer = shared.hub->settings().instance_id;
        ws.timeout = cfg_.webhook_timeout;
        ws.max_attempts = cfg_.webhook_max_attempts;
        ws.retry_base = cfg_.webhook_retry_base;
        ws.retry_max = cfg_.webhook_retry_max;
        ws.concurrency = cfg_.webhook_concurrency;
        ws.claim_idle = cfg_.webhook_claim_idle;
        ws.ca_file = cfg_.webhook_ca_file;
        ws.endpoint = shared.redis_endpoint;
        ws.redis_options.connect_timeout = cfg_.redis_connect_timeout;
        ws.redis_options.command_timeout = cfg_.redis_command_timeout;
        ws.redis_options.replica_wait = cfg_.redis_replica_wait;
        ws.redis_options.metrics = &shared.redis_stats;
        try {
            shared.webhooks = std::make_unique<webhook::dispatcher>(
                shards[0]->context().get_executor(), std::move(ws), shared.webhook_stats);
        } catch (const std::invalid_argument& e) {
            throw std::runtime_error(std::string("SOCK_WEBHOOK_CA_FILE: ") + e.what());
        }
    }

    // Shard 0 binds first (port 0 picks a free port), the others join it on that port.
    std::vector<net::tcp::endpoint> bound;
    for (auto e : endpoints) {
        if (!bound.empty())
            e.port(bound.front().port());
        try {
            e.port(shards[0]->listen(e));
        } catch (const std::exception& ex) {
            throw std::runtime_error("SOCK_HTTP_PORT: cannot listen on " + url_of(e) + ": " +
                                     ex.what());
        }
        bound.push_back(e);
        for (std::size_t i = 1; i < shards.size(); ++i)
            shards[i]->listen(e);
    }

    for (auto& s : shards)
        s->run();
    // A failure of the start-up itself is a start-up failure: it leaves control.run() and
    // run() (the shards stop as they are destroyed), so main reports it and exits non-zero.
    net::asio::co_spawn(control, serve(shards, shared, bound, managed != nullptr, signals, control),
                        [](const std::exception_ptr& failure) {
                            if (failure)
                                std::rethrow_exception(failure);
                        });
    control.run();

    for (auto& s : shards)
        s->join();
    shards.clear();
    if (managed)
        managed->stop();
    log::info("stopped");
    return 0;
}

} // namespace senna::app

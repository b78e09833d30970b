#include "app/shard.hpp"

#include "app/shared_state.hpp"
#include "util/log.hpp"

#include <boost/asio/post.hpp>

namespace senna::app {

namespace {

// The Prometheus text of the whole instance; any shard may render it (atomics only).
std::string render_metrics(const shared_state& s) {
    std::string out;
    out.reserve(16 * 1024);
    s.http_metrics->render(out);
    s.eio_metrics.render(out);
    s.recovery_stats.render(out);
    redis::render(out, s.redis_stats);
    if (s.hub)
        s.hub->render_metrics(out);
    s.redis_memory.render(out);
    platform::render(out, s.platform_stats);
    s.refusals.render(out);
    if (s.webhooks)
        webhook::render(out, s.webhook_stats);
    return out;
}

// How often shard 0 samples Redis's memory (INFO memory: a few microseconds of Redis's time).
constexpr std::chrono::milliseconds memory_check_interval{1000};

} // namespace

void add_socketio_routes(http::router& r, engineio::server* eio) {
    auto fn = [eio](http::request_context& ctx) { return eio->handle_request(ctx); };
    r.add(http::verb::get, socketio_path, fn);
    r.add(http::verb::post, socketio_path, fn);
}

shard::shard(unsigned index, shared_state& shared) : index_(index), shared_(shared) {
    const auto& cfg = shared.cfg;
    redis::connection_options ro;
    ro.connect_timeout = cfg.redis_connect_timeout;
    ro.command_timeout = cfg.redis_command_timeout;
    ro.replica_wait = cfg.redis_replica_wait;
    ro.name = "shard-" + std::to_string(index);
    ro.metrics = &shared.redis_stats;
    redis_ = std::make_unique<redis::connection>(ioc_.get_executor(), shared.redis_endpoint, ro);
    if (index == 0)
        memory_ = std::make_unique<redis::memory_watcher>(*redis_, shared.redis_memory,
                                                          memory_check_interval);

    auto* conn = redis_.get();
    chat_ = std::make_unique<chat::service>(*conn, key_space(cfg),
                                            chat::limits{cfg.max_text_length, 2048});
    profiles_ = std::make_unique<chat::profile_store>(*conn, chat_->key_space(), cfg.api_cache_ttl);
    if (cfg.api_url.empty()) {
        people_ = std::make_unique<api::claims_directory>(*profiles_);
    } else {
        platform::settings ps;
        ps.api_url = cfg.api_url;
        ps.user_agent = cfg.api_user_agent;
        ps.timeout = cfg.api_timeout;
        ps.cache_ttl = cfg.api_cache_ttl;
        ps.token_header = cfg.jwt_header;
        platform_ =
            std::make_unique<platform::client>(ioc_.get_executor(), ps, &shared.platform_stats);
        people_ = std::make_unique<api::platform_directory>(*platform_);
    }
    // The shard's REST and sockets verify tokens alike, through the shard's cache.
    const api::auth_settings auth{.verifier = shared.verifier,
                                  .header = cfg.jwt_header,
                                  .leeway_seconds = cfg.jwt_leeway_seconds,
                                  .cache = &tokens_,
                                  .moderation = &moderation_,
                                  .refusals = &shared.refusals};
    services_ = std::make_unique<api::rest_services>(api::rest_services{
        .auth = auth,
        .ready = [conn]() -> net::awaitable<bool> {
            redis::request ping;
            ping.push("PING");
            auto [ec, replies] = co_await conn->exec(ping);
            co_return !ec && replies.size() == 1 && !replies[0].is_error();
        },
        .metrics = [&shared] { return render_metrics(shared); },
        .chat = chat_.get(),
        .people = people_.get(),
        .max_text_length = cfg.max_text_length,
        .hub = shared.hub.get(),
        .limits = shared.limits.get(),
        .store_full = [&shared] { return shared.redis_memory.full(); },
        .presence = nullptr, // set below, once it exists
        .notices = shared.notices.get(),
    });
    api::add_routes(router_, *services_);
    admin_ = std::make_unique<api::admin_services>();
    admin_->auth = api::admin_claim(cfg.admin_claim);
    admin_->auth.secret = shared.admin_verifier ? &*shared.admin_verifier : nullptr;
    admin_->users = &services_->auth;
    if (shared.moderation)
        admin_->submit = [m = shared.moderation.get(), conn](const realtime::moderation_action& a) {
            return m->submit(*conn, a);
        };
    api::add_admin_routes(router_, *admin_);
    if (cfg.admin_ui)
        api::add_admin_ui_routes(router_);
    if (shared.demo)
        api::add_demo_routes(router_, *shared.demo);
    cors_ = std::make_unique<http::cors_policy>(cfg.cors_origins,
                                                std::vector<std::string>{socketio_path});

    engineio::settings es;
    es.path = socketio_path;
    es.ping_interval = cfg.eio_ping_interval;
    es.ping_timeout = cfg.eio_ping_timeout;
    es.max_payload = cfg.eio_max_payload;
    es.outbox_limit = cfg.eio_outbox_limit;
    es.upgrade_timeout = cfg.eio_upgrade_timeout;
    es.close_timeout = cfg.eio_close_timeout;
    es.write_timeout = cfg.http_write_timeout;
    es.cors_origins = cfg.cors_origins;
    for (const auto& t : cfg.trusted_proxies)
        if (auto c = util::parse_cidr(t))
            es.trusted_proxies.push_back(*c);
    es.per_address = shared.per_address.get();
    es.refusals = &shared.refusals;
    eio_ = std::make_unique<engineio::server>(ws_, es, shared.eio_metrics, index);
    const chat::keys& names = chat_->key_space();
    const std::string instance_id = shared.hub ? shared.hub->settings().instance_id : "";
    const bool recovery = cfg.recovery_window.count() > 0;
    if (recovery) {
        realtime::recovery_store_settings rs;
        rs.session_prefix = cfg.redis_prefix + ":sio:session:";
        rs.registry = names.instance_sessions(instance_id);
        rs.instances = names.instances();
        rs.split = names.cluster();
        rs.instance_id = instance_id;
        rs.log = cfg.redis_prefix;
        rs.window = cfg.recovery_window;
        sessions_ =
            std::make_unique<realtime::recovery_store>(*conn, std::move(rs), shared.recovery_stats);
    }
    socketio::server_settings sio;
    sio.connect_timeout = cfg.sio_connect_timeout;
    sio.recovery.window = cfg.recovery_window;
    sio.recovery.store = sessions_.get();
    sio.ack_timeout = cfg.sio_ack_timeout;
    if (cfg.sio_max_event_bytes != 0) {
        // A chat event is small (docs/limits.md): a larger packet is abuse, refused by the codec.
        sio.codec.max_packet_size = cfg.sio_max_event_bytes;
        sio.codec.max_attachment_bytes = cfg.sio_max_event_bytes;
    }
    sio.refusals = &shared.refusals;
    io_ = std::make_unique<socketio::server>(*eio_, sio);
    users_ = std::make_unique<realtime::local_users>();
    {
        realtime::presence_settings ps;
        ps.names = names;
        ps.instance_id = instance_id;
        ps.heartbeat = cfg.presence_heartbeat;
        ps.grace = cfg.presence_grace;
        ps.webhook_stream = chat_->key_space().webhooks();
        ps.webhook_online = cfg.webhook_on("user.online");
        ps.webhook_offline = cfg.webhook_on("user.offline");
        if (recovery) {
            ps.session_prefix = cfg.redis_prefix + ":sio:session:";
            ps.session_window = cfg.recovery_window;
        }
        presence_ = std::make_unique<realtime::presence>(*conn, std::move(ps));
    }
    services_->presence = presence_.get();
    realtime_ = std::make_unique<api::realtime_services>(api::realtime_services{
        .auth = auth,
        .platform = platform_.get(),
        .session_fail_open = cfg.api_session_fail_open,
        .chat = chat_.get(),
        .people = people_.get(),
        .hub = shared.hub.get(),
        .presence = presence_.get(),
        .users = users_.get(),
        .max_text_length = cfg.max_text_length,
        .auth_timeout = cfg.auth_timeout,
        .limits = shared.limits.get(),
        .notices = shared.notices.get(),
        .presence_watch_limit = cfg.presence_watch_limit,
    });
    api::attach_realtime(io_->of("/"), *realtime_);
    add_socketio_routes(router_, eio_.get());
    std::vector<http::upgrade_route> upgrades;
    upgrades.push_back(http::upgrade_route{
        socketio_path, [eio = eio_.get()](net::tcp::socket socket, http::request req,
                                          std::string remote, std::function<void()> release) {
            eio->handle_upgrade(std::move(socket), std::move(req), std::move(remote),
                                std::move(release));
        }});

    http::session_settings ss;
    ss.header_limit = cfg.http_header_limit;
    ss.body_limit = cfg.http_body_limit;
    ss.request_timeout = cfg.http_request_timeout;
    ss.idle_timeout = cfg.http_idle_timeout;
    ss.write_timeout = cfg.http_write_timeout;
    ss.refusals = &shared.refusals;
    http_ = std::make_unique<http::server>(
        ioc_, http::session_env{router_, *cors_, *shared.http_metrics, ss, std::move(upgrades)},
        cfg.max_connections);
    eio_->adopt = [this](net::tcp::socket s) { http_->adopt(std::move(s)); };
}

shard::~shard() {
    stop();
    join();
}

realtime::shard_link shard::realtime_link() {
    return realtime::shard_link{ioc_.get_executor(), io_.get(), users_.get(), presence_.get()};
}

realtime::moderation_shard shard::moderation_link() {
    return realtime::moderation_shard{ioc_.get_executor(), &moderation_,
                                      [users = users_.get()](const realtime::moderation_action& a) {
                                          api::enforce_moderation(*users, a);
                                      }};
}

void shard::run() {
    work_.emplace(ioc_.get_executor());
    redis_->start();
    if (memory_)
        memory_->start();
    thread_ = std::thread([this] {
        try {
            ioc_.run();
        } catch (const std::exception& e) {
            // A bug that escaped a coroutine's handler; the process cannot serve this shard.
            log::error("shard_failed", {{"shard", index_}, {"error", e.what()}});
            std::abort();
        }
    });
}

void shard::accept() {
    net::asio::post(ioc_, [this] { http_->start(); });
}

net::awaitable<bool> shard::redis_ready() {
    co_return co_await net::asio::co_spawn(
        ioc_.get_executor(), [this]() -> net::awaitable<bool> { co_return redis_->connected(); },
        net::use_awaitable);
}

void shard::drain() {
    net::asio::post(ioc_, [this] {
        http_->drain();
        eio_->close_all(); // realtime clients get a proper close
    });
}

void shard::stop() {
    if (!work_)
        return;
    net::asio::post(ioc_, [this] {
        eio_->close_all(true);
        http_->close_all();
        if (memory_)
            memory_->stop();
        redis_->stop();
        wheel_.clear(); // nothing of this shard is due any more: let its thread end
    });
    work_.reset();
}

void shard::join() {
    if (thread_.joinable())
        thread_.join();
}

} // namespace senna::app

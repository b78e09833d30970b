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
    redis::render(out, s.redis_stats);
    platform::render(out, s.platform_stats);
    return out;
}

} // namespace

shard::shard(unsigned index, shared_state& shared) : index_(index), shared_(shared) {
    const auto& cfg = shared.cfg;
    redis::connection_options ro;
    ro.connect_timeout = cfg.redis_connect_timeout;
    ro.command_timeout = cfg.redis_command_timeout;
    ro.name = "shard-" + std::to_string(index);
    ro.metrics = &shared.redis_stats;
    redis_ = std::make_unique<redis::connection>(ioc_.get_executor(), shared.redis_endpoint, ro);

    auto* conn = redis_.get();
    chat_ = std::make_unique<chat::service>(*conn, chat::keys(cfg.redis_prefix, cfg.domain),
                                            chat::limits{cfg.max_text_length, 2048});
    profiles_ = std::make_unique<chat::profile_store>(*conn, chat_->key_space());
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
    services_ = std::make_unique<api::rest_services>(api::rest_services{
        api::auth_settings{shared.verifier, cfg.jwt_header, cfg.jwt_leeway_seconds},
        [conn]() -> net::awaitable<bool> {
            redis::request ping;
            ping.push("PING");
            auto [ec, replies] = co_await conn->exec(ping);
            co_return !ec && replies.size() == 1 && !replies[0].is_error();
        },
        [&shared] { return render_metrics(shared); },
        chat_.get(),
        people_.get(),
        cfg.max_text_length,
    });
    api::add_routes(router_, *services_);
    cors_ = std::make_unique<http::cors_policy>(cfg.cors_origins);

    http::session_settings ss;
    ss.header_limit = cfg.http_header_limit;
    ss.body_limit = cfg.http_body_limit;
    ss.request_timeout = cfg.http_request_timeout;
    ss.idle_timeout = cfg.http_idle_timeout;
    ss.write_timeout = cfg.http_write_timeout;
    http_ = std::make_unique<http::server>(
        ioc_, http::session_env{router_, *cors_, *shared.http_metrics, ss}, cfg.max_connections);
}

shard::~shard() {
    stop();
    join();
}

void shard::run() {
    work_.emplace(ioc_.get_executor());
    redis_->start();
    http_->start();
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

void shard::drain() {
    net::asio::post(ioc_, [this] { http_->drain(); });
}

void shard::stop() {
    if (!work_)
        return;
    net::asio::post(ioc_, [this] {
        http_->close_all();
        redis_->stop();
    });
    work_.reset();
}

void shard::join() {
    if (thread_.joinable())
        thread_.join();
}

} // namespace senna::app

#pragma once
// The REST route table of SPEC §3 and §7, declared in one place (rest_routes.cpp).

#include "api/authenticate.hpp"
#include "http/router.hpp"
#include "net/types.hpp"

#include <functional>
#include <string>

namespace senna::chat {
class service;
}
namespace senna::realtime {
class hub;
class presence;
} // namespace senna::realtime

namespace senna::api {

class abuse_limits;
class directory;
struct webhook_notices;

/** What the routes need from the composition root, per shard. */
struct rest_services {
    auth_settings auth;
    /** True while the store answers (Redis PING), for /readyz. */
    std::function<net::awaitable<bool>()> ready;
    /** The Prometheus text of every metric, for /metrics. */
    std::function<std::string()> metrics;
    /** The shard's chat use cases and user/topic look-ups (null in the label probe). */
    chat::service* chat = nullptr;
    directory* people = nullptr;
    std::size_t max_text_length = 10000;
    /** Socket.IO delivery of every successful write (null: none, e.g. the label probe). */
    realtime::hub* hub = nullptr;
    /** The instance's abuse limits (null: none, e.g. the label probe). */
    abuse_limits* limits = nullptr;
    /** True while Redis is full (refusing writes), for /healthz's detail (unset: never). */
    std::function<bool()> store_full{};
    /** The shard's presence, for GET /api/presence (null: the label probe). */
    realtime::presence* presence = nullptr;
    /** The webhook events of writes (null: webhooks off). */
    const webhook_notices* notices = nullptr;
};

/** Adds every route to `r`. `services` must outlive the router. */
void add_routes(http::router& r, rest_services& services);

/** The seed's greetings, one of which `GET /` answers. */
const std::vector<std::string>& greetings();

} // namespace senna::api

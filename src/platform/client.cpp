#include "platform/client.hpp"

#include "net/spawn.hpp"
#include "platform/http_client.hpp"
#include "platform/ids.hpp"
#include "platform/url.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <boost/json/parse.hpp>

#include <unordered_map>
#include <unordered_set>

namespace senna::platform {

namespace json = boost::json;
using clock = std::chrono::steady_clock;

namespace {

/** How long a waiter lets a fetch run past its deadline before answering fallbacks itself. The
 *  fetch's HTTP deadline normally ends it first (so its failure is logged once); this bounds
 *  every call even if it does not. */
constexpr std::chrono::milliseconds wait_slack{20};

struct cache_entry {
    json::object value;
    clock::time_point expires;
};

/**
 * One look-up request in flight and the results it brought. Waiters hold it by shared_ptr and
 * wait on `done`, whose cancellation (with `finished` set) wakes them all and whose expiry at
 * deadline + slack bounds them: no waiter list to register in, so a cancelled or destroyed
 * waiter leaves nothing behind.
 */
struct batch {
    batch(const net::executor& ex, clock::time_point d) : done(ex), deadline(d) {
        done.expires_at(d + wait_slack);
    }
    net::steady_timer done;
    clock::time_point deadline;
    bool finished = false;
    std::unordered_map<std::string, json::object> found;
};

/** Per-kind state of one shard: the cache, and the ids being fetched now. */
struct table {
    table(const char* n, const char* f) : name(n), fields(f) {}
    const char* name;
    const char* fields;
    std::unordered_map<std::string, cache_entry> cache;
    std::unordered_map<std::string, std::shared_ptr<batch>> pending;
};

std::uint64_t micros_since(clock::time_point t) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - t).count();
    return us < 0 ? 0 : static_cast<std::uint64_t>(us);
}

http_options http_options_of(const settings& s) {
    http_options o;
    o.connect_timeout = std::min(s.connect_timeout, s.timeout);
    o.request_timeout = s.timeout;
    o.max_connections = s.max_connections;
    o.max_body_bytes = s.max_body_bytes;
    return o;
}

bool is_success(unsigned status) {
    return status >= 200 && status <= 299;
}

/** The body of a 2xx answer as a JSON object, or nullopt with the reason in `why`. */
std::optional<json::object> json_answer(const http_result& r, std::string& why) {
    if (r.ec) {
        why = r.ec.message();
        return std::nullopt;
    }
    if (!is_success(r.status)) {
        why = "platform answered " + std::to_string(r.status);
        return std::nullopt;
    }
    json::error_code ec;
    json::value v = json::parse(r.body, ec);
    if (ec || !v.is_object()) {
        why = "platform answer is not a JSON object";
        return std::nullopt;
    }
    return std::move(v.get_object());
}

} // namespace

struct client::state {
    state(net::executor e, settings s, stats* st)
        : ex(std::move(e)), cfg(std::move(s)), metrics(st),
          http(ex, cfg.api_url, http_options_of(cfg)) {
        base_headers = {{"User-Agent", cfg.user_agent}, {"Accept", "application/json"}};
    }

    void store(table& t, const std::string& id, const json::object& value, clock::time_point now) {
        if (t.cache.size() >= cfg.max_cache_entries && t.cache.find(id) == t.cache.end()) {
            std::erase_if(t.cache, [now](const auto& e) { return e.second.expires <= now; });
            if (t.cache.size() >= cfg.max_cache_entries)
                t.cache.clear();
        }
        t.cache.insert_or_assign(id, cache_entry{value, now + cfg.cache_ttl});
    }

    void count_request(clock::time_point started, bool failed) {
        if (metrics == nullptr)
            return;
        metrics->requests.inc();
        metrics->latency.observe_us(micros_since(started));
        if (failed)
            metrics->errors.inc();
    }

    net::executor ex;
    settings cfg;
    stats* metrics;
    http_client http;
    header_list base_headers;
    table users{"users", "id,username,role"};
    table topics{"topics", "id,title,status"};
};

namespace {

/** Ends a batch on every path out of its fetch (also when the frame is destroyed at shutdown):
 *  wakes the waiters and forgets the pending ids that still point to it. */
struct batch_finisher {
    table& t;
    batch& b;
    const std::vector<std::string>& ids;
    ~batch_finisher() {
        b.finished = true;
        b.done.cancel();
        for (const auto& id : ids) {
            auto it = t.pending.find(id);
            if (it != t.pending.end() && it->second.get() == &b)
                t.pending.erase(it);
        }
    }
};

/** One batched request for `ids` (distinct, none cached): fills `b->found` and the cache. Runs
 *  as its own task so that no caller's cancellation takes the answer from the others. */
net::awaitable<void> fetch(std::shared_ptr<client::state> s, table* t, std::shared_ptr<batch> b,
                           std::vector<std::string> ids) {
    batch_finisher finisher{*t, *b, ids};
    std::string target = std::string("v1/") + t->name + "?fields=" + t->fields + "&ids=";
    for (std::size_t k = 0; k < ids.size(); ++k) {
        if (k != 0)
            target += ',';
        target += percent_encode(ids[k]);
    }
    const auto started = clock::now();
    const http_result r = co_await s->http.get(std::move(target), s->base_headers);

    std::string why;
    std::optional<json::object> body = json_answer(r, why);
    json::array* entries = nullptr;
    if (body) {
        if (auto* e = body->if_contains("entries"); e != nullptr && e->is_array())
            entries = &e->get_array();
        else
            why = "platform answer has no entries array";
    }
    s->count_request(started, entries == nullptr);
    if (entries == nullptr) {
        log::warn("platform_lookup_failed",
                  {{"kind", t->name}, {"ids", ids.size()}, {"error", why}});
        co_return;
    }

    const std::unordered_set<std::string> wanted(ids.begin(), ids.end());
    const auto now = clock::now();
    for (auto& entry : *entries) {
        if (!entry.is_object())
            continue;
        const json::value* idv = entry.get_object().if_contains("id");
        if (idv == nullptr)
            continue;
        std::optional<std::string> id = canonical_id(*idv);
        if (!id || !wanted.contains(*id) || b->found.contains(*id))
            continue;
        s->store(*t, *id, entry.get_object(), now);
        b->found.emplace(std::move(*id), std::move(entry.get_object()));
    }
    if (b->found.size() < ids.size()) {
        log::warn(
            "platform_lookup_incomplete",
            {{"kind", t->name}, {"ids", ids.size()}, {"missing", ids.size() - b->found.size()}});
    }
}

net::awaitable<std::vector<json::object>> lookup(std::shared_ptr<client::state> s, table* t,
                                                 std::vector<std::string> ids) {
    const auto now = clock::now();
    std::vector<json::object> out(ids.size());
    // The batch that answers each id not answered yet (null: answered from the cache).
    std::vector<std::shared_ptr<batch>> from(ids.size());
    std::shared_ptr<batch> fresh;
    std::vector<std::string> to_fetch;
    std::unordered_set<std::string> queued;
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;

    for (std::size_t i = 0; i < ids.size(); ++i) {
        const std::string& id = ids[i];
        if (id.empty()) {
            out[i] = fallback_object(id);
            continue;
        }
        if (auto c = t->cache.find(id); c != t->cache.end() && c->second.expires > now) {
            out[i] = c->second.value;
            ++hits;
            continue;
        }
        ++misses;
        if (auto p = t->pending.find(id); p != t->pending.end() && p->second->deadline > now) {
            from[i] = p->second;
            continue;
        }
        if (!fresh)
            fresh = std::make_shared<batch>(s->ex, now + s->cfg.timeout);
        if (queued.insert(id).second) {
            to_fetch.push_back(id);
            t->pending.insert_or_assign(id, fresh);
        }
        from[i] = fresh;
    }
    if (s->metrics != nullptr) {
        s->metrics->cache_hits.inc(hits);
        s->metrics->cache_misses.inc(misses);
    }
    if (fresh)
        net::spawn(s->ex, fetch(s, t, fresh, std::move(to_fetch)), "platform look-up");

    for (std::size_t i = 0; i < ids.size(); ++i) {
        batch* b = from[i].get();
        if (b == nullptr || b->finished)
            continue;
        co_await b->done.async_wait(net::use_tuple);
        // Neither finished nor expired: this call was cancelled; answer what is there.
        if (!b->finished && clock::now() < b->deadline + wait_slack)
            break;
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (!from[i])
            continue;
        auto f = from[i]->found.find(ids[i]);
        out[i] = f != from[i]->found.end() ? f->second : fallback_object(ids[i]);
    }
    co_return out;
}

session_result failed_session(std::string reason) {
    log::warn("platform_session_check_failed", {{"reason", reason}});
    session_result r;
    r.result = session_result::outcome::failed;
    r.reason = std::move(reason);
    return r;
}

session_result refused_session(std::string reason, json::object user = {}) {
    session_result r;
    r.result = session_result::outcome::refused;
    r.reason = std::move(reason);
    r.user = std::move(user);
    return r;
}

} // namespace

client::client(net::executor ex, settings s, stats* st)
    : state_(std::make_shared<state>(std::move(ex), std::move(s), st)) {}

client::~client() = default;

const settings& client::config() const noexcept {
    return state_->cfg;
}

net::awaitable<std::vector<json::object>> client::users(std::vector<std::string> ids) {
    std::shared_ptr<state> s = state_;
    table* t = &s->users;
    co_return co_await lookup(std::move(s), t, std::move(ids));
}

net::awaitable<std::vector<json::object>> client::topics(std::vector<std::string> ids) {
    std::shared_ptr<state> s = state_;
    table* t = &s->topics;
    co_return co_await lookup(std::move(s), t, std::move(ids));
}

net::awaitable<session_result> client::session(std::string token) {
    std::shared_ptr<state> s = state_;
    // A token with CR, LF or NUL cannot be a JWT and cannot be sent in a header.
    if (token.empty() || token.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
        co_return refused_session("rejected");

    header_list headers = s->base_headers;
    if (!util::iequals(s->cfg.token_header, "Authorization"))
        headers.emplace_back(s->cfg.token_header, token);
    headers.emplace_back("Authorization", "Bearer " + token);
    const auto started = clock::now();
    const http_result r = co_await s->http.get("v1/session", std::move(headers));

    // 401 and 403 are the platform's answer about this token, not a failure of the check.
    if (!r.ec && (r.status == 401 || r.status == 403)) {
        s->count_request(started, false);
        co_return refused_session("rejected");
    }
    std::string why;
    std::optional<json::object> body = json_answer(r, why);
    const json::object* user = nullptr;
    const json::string* handle = nullptr;
    if (body) {
        if (auto* u = body->if_contains("user"); u != nullptr && u->is_object())
            user = &u->get_object();
        const json::value* id = user != nullptr ? user->if_contains("id") : nullptr;
        const json::value* role = user != nullptr ? user->if_contains("role") : nullptr;
        const json::value* h = role != nullptr && role->is_object()
                                   ? role->get_object().if_contains("handle")
                                   : nullptr;
        if (id != nullptr && !id->is_null() && h != nullptr && h->is_string())
            handle = &h->get_string();
        else
            why = "no user with a role in the session answer";
    }
    s->count_request(started, handle == nullptr);
    if (handle == nullptr)
        co_return failed_session(why);
    if (*handle == "banned")
        co_return refused_session("banned", *user);
    if (*handle == "deleted")
        co_return refused_session("deleted", *user);
    session_result ok;
    ok.result = session_result::outcome::allowed;
    ok.user = *user;
    co_return ok;
}

} // namespace senna::platform

#include "chat/profile_store.hpp"

#include "redis/connection.hpp"
#include "util/json_canonical.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <functional>

namespace senna::chat {

namespace json = boost::json;

profile_store::profile_store(redis::connection& redis, const keys& k,
                             std::chrono::milliseconds cache_ttl)
    : redis_(redis), keys_(k), cache_ttl_(cache_ttl) {}

json::object profile_store::fallback(const id& user, json::storage_ptr sp) {
    json::object o(2, std::move(sp));
    o.emplace("id", user.to_json());
    json::string name(o.storage());
    name.reserve(5 + user.text.size());
    name.append("user-").append(user.text);
    o.emplace("username", std::move(name));
    return o;
}

std::string profile_store::fallback_text(const id& user) {
    std::string out = "{\"id\":";
    user.append_json(out);
    out += ",\"username\":";
    util::append_json_string("user-" + user.text, out);
    out += '}';
    return out;
}

json::object profile_store::from_claims(const id& user, const json::object& claims) {
    json::object o;
    o["id"] = user.to_json();
    auto name = claims.find("username");
    if (name != claims.end() && name->value().is_string())
        o["username"] = name->value();
    else
        o["username"] = "user-" + user.text;
    auto role = claims.find("role");
    if (role != claims.end())
        o["role"] = role->value();
    return o;
}

std::size_t profile_store::digest(const json::object& claims) {
    auto mix = [](std::size_t h, std::size_t v) {
        return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
    };
    std::size_t h = 0;
    auto name = claims.find("username");
    h = mix(h, name != claims.end() && name->value().is_string()
                   ? std::hash<std::string_view>{}(name->value().get_string())
                   : 1);
    auto role = claims.find("role");
    if (role == claims.end())
        return mix(h, 2);
    const auto& r = role->value();
    return mix(h, r.is_string() ? std::hash<std::string_view>{}(r.get_string())
                                : std::hash<std::string>{}(json::serialize(r)) + 3);
}

void profile_store::remember(const id& user, const json::object& claims) {
    auto now = std::chrono::steady_clock::now();
    const std::size_t digest = profile_store::digest(claims);
    auto it = recent_.find(user.text);
    if (it != recent_.end() && it->second.digest == digest && now - it->second.at < refresh)
        return;
    std::string profile = json::serialize(from_claims(user, claims));
    if (recent_.size() >= max_recent)
        recent_.clear();
    redis::request req;
    req.push("SET", keys_.profile(user), profile, "EX", ttl_seconds);
    recent_[user.text] = written{digest, now};
    cache(user.text, profile, now); // serialize's text: what user_texts would give for it
    redis_.async_exec(req, [](net::error_code ec, const redis::replies&) {
        if (ec)
            log::debug("profile_write_failed", {{"error", ec.message()}});
    });
}

void profile_store::cache(const std::string& user, std::string text,
                          std::chrono::steady_clock::time_point at) {
    if (cache_ttl_.count() <= 0)
        return;
    auto it = cache_.find(user);
    if (it != cache_.end()) {
        if (it->second.at <= at)
            it->second = cached{std::move(text), at};
        return;
    }
    if (cache_.size() >= max_recent) {
        std::erase_if(cache_, [&](const auto& e) { return at - e.second.at >= cache_ttl_; });
        if (cache_.size() >= max_recent)
            cache_.clear();
    }
    cache_.emplace(user, cached{std::move(text), at});
}

net::awaitable<profile_store::replies> profile_store::stored(const std::vector<id>& ids) {
    replies out;
    out.texts.resize(ids.size());
    if (ids.empty())
        co_return out;
    std::vector<std::string> k;
    k.reserve(ids.size());
    for (const auto& i : ids)
        k.push_back(keys_.profile(i));
    // One MGET; in the cluster layout each profile is in its user's slot: a GET each, pipelined.
    redis::request req;
    if (keys_.cluster())
        for (const auto& key : k)
            req.push("GET", key);
    else
        req.push_range("MGET", k);
    auto [ec, rs] = co_await redis_.exec(req);
    out.failed = ec || rs.empty();
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const redis::reply* r = nullptr;
        if (!out.failed) {
            if (keys_.cluster())
                r = i < rs.size() ? &rs[i] : nullptr;
            else if (rs[0].is_array() && i < rs[0].elements.size())
                r = &rs[0].elements[i];
        }
        if (!r || r->type == redis::reply::kind::error)
            out.failed = true;
        else if (r->type == redis::reply::kind::string)
            out.texts[i].emplace(r->as_string());
    }
    co_return out;
}

namespace {
// users()'s object of one stored text: the object, else (absent, unreadable, not an object or
// empty) the fallback.
json::object profile_of(const id& user, const std::optional<std::string>& text,
                        json::storage_ptr sp) {
    if (text) {
        net::error_code ec;
        auto v = json::parse(*text, ec, sp);
        if (!ec && v.is_object() && !v.get_object().empty())
            return std::move(v.get_object());
    }
    return profile_store::fallback(user, std::move(sp));
}
} // namespace

net::awaitable<std::vector<json::object>> profile_store::users(const std::vector<id>& ids,
                                                               json::storage_ptr sp) {
    auto texts = std::move((co_await stored(ids)).texts);
    std::vector<json::object> out;
    out.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i)
        out.push_back(profile_of(ids[i], texts[i], sp));
    co_return out;
}

net::awaitable<std::vector<std::string>> profile_store::user_texts(const std::vector<id>& ids) {
    std::vector<std::string> out(ids.size());
    std::vector<id> ask;           // the ids the cache does not hold (all of them without one)
    std::vector<std::size_t> slot; // where each goes in `out`
    const auto asked = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < ids.size(); ++i) {
        auto hit = cache_.find(ids[i].text);
        if (hit != cache_.end() && asked - hit->second.at < cache_ttl_) {
            out[i] = hit->second.text;
        } else {
            ask.push_back(ids[i]);
            slot.push_back(i);
        }
    }
    if (ask.empty())
        co_return out;
    auto [texts, failed] = co_await stored(ask);
    util::canonical_object check;
    for (std::size_t j = 0; j < ask.size(); ++j) {
        auto& text = out[slot[j]];
        if (texts[j] && check.read(*texts[j]) && !check.members().empty())
            text = std::move(*texts[j]); // serialising its parse writes it again
        else if (texts[j])
            text = json::serialize(profile_of(ask[j], texts[j], {}));
        else
            text = fallback_text(ask[j]); // none stored: no object to make
        if (!failed)                      // a fallback for want of Redis is not what is stored
            cache(ask[j].text, text, asked);
    }
    co_return out;
}

} // namespace senna::chat

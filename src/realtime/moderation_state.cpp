#include "realtime/moderation_state.hpp"

#include "chat/id.hpp"

#include <boost/json/value.hpp>

#include <array>
#include <chrono>
#include <cmath>
#include <limits>

namespace senna::realtime {

namespace json = boost::json;
using kind = moderation_action::kind;

namespace {

constexpr std::array<std::pair<kind, std::string_view>, 6> kinds{{
    {kind::kick, "kick"},
    {kind::ban, "ban"},
    {kind::unban, "unban"},
    {kind::revoke, "revoke"},
    {kind::mute, "mute"},
    {kind::unmute, "unmute"},
}};

// Epoch seconds from a JSON number (fractions dropped); nullopt when not a number >= 0.
std::optional<std::int64_t> seconds(const json::value* v) {
    if (!v)
        return std::nullopt;
    if (v->is_int64())
        return v->get_int64() >= 0 ? std::optional<std::int64_t>(v->get_int64()) : std::nullopt;
    if (v->is_uint64())
        return std::optional<std::int64_t>(std::numeric_limits<std::int64_t>::max());
    if (v->is_double()) {
        const double d = std::floor(v->get_double());
        if (!(d >= 0) || d > 9.2e18)
            return std::nullopt;
        return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
}

// At most max_reason_bytes, not cutting a UTF-8 sequence.
std::string clip_reason(std::string_view r) {
    if (r.size() <= max_reason_bytes)
        return std::string(r);
    std::size_t n = max_reason_bytes;
    while (n > 0 && (static_cast<unsigned char>(r[n]) & 0xC0) == 0x80)
        --n;
    return std::string(r.substr(0, n));
}

std::optional<std::int64_t> number_of(const std::unordered_map<std::string, std::int64_t>& m,
                                      const std::string& key) {
    auto it = m.find(key);
    return it == m.end() ? std::nullopt : std::optional<std::int64_t>(it->second);
}

} // namespace

std::string_view to_string(kind k) {
    for (const auto& [k2, name] : kinds)
        if (k2 == k)
            return name;
    return "?";
}

std::optional<kind> moderation_kind(std::string_view type) {
    for (const auto& [k, name] : kinds)
        if (name == type)
            return k;
    return std::nullopt;
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

parsed_action parse_moderation(const json::object& o) {
    parsed_action out;
    const auto* type = o.if_contains("type");
    auto k = type && type->is_string() ? moderation_kind(type->get_string()) : std::nullopt;
    if (!k) {
        out.error = "type";
        return out;
    }
    moderation_action a;
    a.type = *k;
    const auto* uid = o.if_contains("user_id");
    auto user = uid ? chat::id::from_json(*uid) : std::nullopt;
    if (!user) {
        out.error = "user_id";
        return out;
    }
    a.user = user->text;
    a.numeric = user->numeric;
    if (*k == kind::mute || *k == kind::unmute) {
        const auto* t = o.if_contains("topic");
        auto topic = t ? chat::id::from_json(*t) : std::nullopt;
        if (!topic) {
            out.error = "topic";
            return out;
        }
        a.topic = topic->text;
        a.topic_numeric = topic->numeric;
    }
    if (*k == kind::ban || *k == kind::mute) {
        const auto* until = o.if_contains("until");
        if (until && !until->is_null()) {
            auto u = seconds(until);
            if (!u) {
                out.error = "until";
                return out;
            }
            a.until = *u;
        }
    }
    if (*k == kind::revoke) {
        auto b = seconds(o.if_contains("before"));
        if (!b) {
            out.error = "before";
            return out;
        }
        a.before = *b;
    }
    if (*k == kind::kick || *k == kind::ban) {
        const auto* r = o.if_contains("reason");
        if (r && r->is_string())
            a.reason = clip_reason(r->get_string());
    }
    out.action = std::move(a);
    return out;
}

json::object to_json(const moderation_action& a) {
    json::object o;
    o["type"] = to_string(a.type);
    o["user_id"] = chat::id{a.user, a.numeric}.to_json();
    switch (a.type) {
    case kind::kick:
        if (!a.reason.empty())
            o["reason"] = a.reason;
        break;
    case kind::ban:
        if (a.until != 0)
            o["until"] = a.until;
        if (!a.reason.empty())
            o["reason"] = a.reason;
        break;
    case kind::revoke:
        o["before"] = a.before;
        break;
    case kind::mute:
        o["topic"] = chat::id{a.topic, a.topic_numeric}.to_json();
        if (a.until != 0)
            o["until"] = a.until;
        break;
    case kind::unmute:
        o["topic"] = chat::id{a.topic, a.topic_numeric}.to_json();
        break;
    case kind::unban:
        break;
    }
    return o;
}

// --- snapshot ---

bool moderation_snapshot::banned(const std::string& user, std::int64_t now) const {
    if (bans.empty())
        return false;
    auto u = number_of(bans, user);
    return u && in_force(*u, now);
}

bool moderation_snapshot::revoked(const std::string& user, std::optional<std::int64_t> iat) const {
    if (revocations.empty())
        return false;
    auto before = number_of(revocations, user);
    return before && (!iat || *iat < *before);
}

bool moderation_snapshot::muted(std::string_view topic, std::string_view user,
                                std::int64_t now) const {
    if (mutes.empty())
        return false;
    auto u = number_of(mutes, chat::keys::mute_field(topic, user));
    return u && in_force(*u, now);
}

std::optional<std::int64_t> moderation_snapshot::revocation(const std::string& user) const {
    return number_of(revocations, user);
}

void moderation_snapshot::apply(const moderation_action& a) {
    switch (a.type) {
    case kind::ban:
        bans[a.user] = a.until;
        break;
    case kind::unban:
        bans.erase(a.user);
        break;
    case kind::revoke: {
        auto& b = revocations[a.user];
        b = std::max(b, a.before);
        break;
    }
    case kind::mute:
        mutes[chat::keys::mute_field(a.topic, a.user)] = a.until;
        break;
    case kind::unmute:
        mutes.erase(chat::keys::mute_field(a.topic, a.user));
        break;
    case kind::kick:
        break;
    }
}

moderation_view::moderation_view() : snapshot_(std::make_shared<const moderation_snapshot>()) {}

} // namespace senna::realtime

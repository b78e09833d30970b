#include "chat/keys.hpp"

#include "chat/rooms.hpp"

namespace senna::chat {

keys::keys(std::string prefix, std::string domain, layout l)
    : base_(std::move(prefix) + ":messages:"), domain_(std::move(domain)), layout_(l) {}

std::string keys::list_of(const std::string& state_key) const {
    if (layout_ == layout::seed)
        return base_ + state_key;
    return base_ + "{" + state_key + "}";
}

std::string keys::user_key(std::string_view kind, const id& user) const {
    std::string k = base_;
    if (layout_ == layout::seed)
        k.append(domain_).append(":").append(kind).append(":").append(user.text);
    else
        k.append("{").append(domain_).append(":user:").append(user.text).append("}:").append(kind);
    return k;
}

std::string keys::owned(std::string_view seed_name, std::string_view owner,
                        std::string_view cluster_rest) const {
    std::string k = base_;
    if (layout_ == layout::seed)
        k.append(domain_).append(":").append(seed_name);
    else
        k.append("{").append(domain_).append(":").append(owner).append("}").append(cluster_rest);
    return k;
}

chat_ref keys::make(target t, const id& viewer, const id& other, std::string state_key) const {
    chat_ref c;
    c.type = t;
    c.other = other;
    c.viewer = viewer;
    c.list_key = list_of(state_key);
    c.data_key = c.list_key + ":data";
    c.state_key = std::move(state_key);
    c.inbox_member = t == target::user ? user_room(other) : topic_room(other);
    return c;
}

chat_ref keys::dm(const id& me, const id& other) const {
    const id& lo = comes_first(me, other) ? me : other;
    const id& hi = comes_first(me, other) ? other : me;
    return make(target::user, me, other, domain_ + ":dm:" + lo.text + "-" + hi.text);
}

chat_ref keys::topic(const id& t) const {
    return make(target::topic, {}, t, domain_ + ":topic:" + t.text);
}

std::string keys::list(target t, const id& me, const id& chat_id) const {
    if (t == target::topic)
        return list_of(domain_ + ":topic:" + chat_id.text);
    const bool first = comes_first(me, chat_id);
    return list_of(domain_ + ":dm:" + (first ? me.text : chat_id.text) + "-" +
                   (first ? chat_id.text : me.text));
}

std::pair<std::string_view, std::string_view> chat_ref::dm_pair() const {
    if (type != target::user)
        return {};
    if (comes_first(viewer, other))
        return {viewer.text, other.text};
    return {other.text, viewer.text};
}

std::string keys::inbox(const id& user) const {
    return user_key("inbox", user);
}
std::string keys::inbox_state_key(const id& user) const {
    return domain_ + ":inbox:" + user.text;
}
std::string keys::activity(const id& user) const {
    return user_key("activity", user);
}
std::string keys::profile(const id& user) const {
    return user_key("profile", user);
}
std::string keys::presence(const id& user) const {
    return user_key("presence", user);
}
std::string keys::status(const id& user) const {
    return user_key("status", user);
}

std::string keys::instance_prefix() const {
    return owned("instance:", "instances", ":instance:");
}
std::string keys::instance(std::string_view instance_id) const {
    return instance_prefix().append(instance_id);
}
std::string keys::instance_users(std::string_view instance_id) const {
    return instance(instance_id).append(":users");
}
std::string keys::instance_sessions(std::string_view instance_id) const {
    return instance(instance_id).append(":sessions");
}
std::string keys::instances() const {
    return owned("instances", "instances", "");
}
std::string keys::presence_grace() const {
    return owned("presence-grace", "instances", ":grace");
}
std::string keys::presence_channel() const {
    return base_ + domain_ + ":presence";
}

std::optional<std::string> keys::rename(std::string_view key, const keys& to) const {
    const std::string head = layout_ == layout::seed ? base_ + domain_ + ":" : std::string();
    if (layout_ != layout::seed || !key.starts_with(head))
        return std::nullopt; // from the seed layout only
    std::string_view rest = key.substr(head.size());
    const auto colon = rest.find(':');
    const std::string_view kind = rest.substr(0, colon);
    if (kind == "dm" || kind == "topic") {
        // The chat's list and everything beside it: "dm:A-B" then an optional ":suffix".
        const auto end = rest.find(':', colon == std::string_view::npos ? rest.size() : colon + 1);
        const std::string_view chat = rest.substr(0, end);
        if (colon == std::string_view::npos || chat.size() <= kind.size() + 1)
            return std::nullopt;
        std::string out = to.list_of(domain_ + ":" + std::string(chat));
        if (end != std::string_view::npos)
            out.append(rest.substr(end));
        return out;
    }
    if (kind == "inbox" || kind == "activity" || kind == "profile" || kind == "status") {
        if (colon == std::string_view::npos)
            return std::nullopt;
        auto user = id::parse(rest.substr(colon + 1));
        if (!user)
            return std::nullopt;
        return to.user_key(kind, *user);
    }
    if (rest == "webhooks")
        return to.webhooks();
    if (rest == "webhooks:dead")
        return to.webhooks_dead();
    if (rest == "moderation:bans")
        return to.moderation_bans();
    if (rest == "moderation:revocations")
        return to.moderation_revocations();
    if (rest == "moderation:mutes")
        return to.moderation_mutes();
    if (rest == "moderation:version")
        return to.moderation_version();
    return std::nullopt;
}

std::string keys::prefix_pattern() const {
    return base_ + domain_ + ":*";
}

std::string keys::migration() const {
    return owned("migration", "migration", "");
}

std::string keys::webhooks() const {
    return owned("webhooks", "webhooks", "");
}
std::string keys::webhooks_dead() const {
    return owned("webhooks:dead", "webhooks", ":dead");
}

std::string keys::moderation_bans() const {
    return owned("moderation:bans", "moderation", ":bans");
}
std::string keys::moderation_revocations() const {
    return owned("moderation:revocations", "moderation", ":revocations");
}
std::string keys::moderation_mutes() const {
    return owned("moderation:mutes", "moderation", ":mutes");
}
std::string keys::moderation_version() const {
    return owned("moderation:version", "moderation", ":version");
}
std::string keys::mute_field(std::string_view topic, std::string_view user) {
    std::string f;
    f.reserve(topic.size() + 1 + user.size());
    f.append(topic).append(":").append(user);
    return f;
}

} // namespace senna::chat

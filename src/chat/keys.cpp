#include "chat/keys.hpp"

namespace senna::chat {

keys::keys(std::string prefix, std::string domain)
    : base_(std::move(prefix) + ":messages:"), domain_(std::move(domain)) {}

chat_ref keys::make(target t, const id& viewer, const id& other, std::string state_key) const {
    chat_ref c;
    c.type = t;
    c.other = other;
    c.viewer = viewer;
    c.list_key = base_ + state_key;
    c.data_key = c.list_key + ":data";
    c.state_key = std::move(state_key);
    c.inbox_member = (t == target::user ? "user-" : "topic-") + other.text;
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
        return base_ + domain_ + ":topic:" + chat_id.text;
    const bool first = comes_first(me, chat_id);
    return base_ + domain_ + ":dm:" + (first ? me.text : chat_id.text) + "-" +
           (first ? chat_id.text : me.text);
}

std::pair<std::string_view, std::string_view> chat_ref::dm_pair() const {
    if (type != target::user)
        return {};
    if (comes_first(viewer, other))
        return {viewer.text, other.text};
    return {other.text, viewer.text};
}

std::string keys::inbox(const id& user) const {
    return base_ + inbox_state_key(user);
}
std::string keys::inbox_state_key(const id& user) const {
    return domain_ + ":inbox:" + user.text;
}
std::string keys::activity(const id& user) const {
    return base_ + domain_ + ":activity:" + user.text;
}
std::string keys::profile(const id& user) const {
    return base_ + domain_ + ":profile:" + user.text;
}
std::string keys::webhooks() const {
    return base_ + domain_ + ":webhooks";
}
std::string keys::webhooks_dead() const {
    return base_ + domain_ + ":webhooks:dead";
}

std::string keys::moderation_bans() const {
    return base_ + domain_ + ":moderation:bans";
}
std::string keys::moderation_revocations() const {
    return base_ + domain_ + ":moderation:revocations";
}
std::string keys::moderation_mutes() const {
    return base_ + domain_ + ":moderation:mutes";
}
std::string keys::moderation_version() const {
    return base_ + domain_ + ":moderation:version";
}
std::string keys::mute_field(std::string_view topic, std::string_view user) {
    std::string f;
    f.reserve(topic.size() + 1 + user.size());
    f.append(topic).append(":").append(user);
    return f;
}

} // namespace senna::chat

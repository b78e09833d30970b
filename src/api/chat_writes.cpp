#include "api/chat_writes.hpp"

#include "api/deliveries.hpp"
#include "api/format.hpp"
#include "api/message_text.hpp"
#include "realtime/hub.hpp"
#include "realtime/presence.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"
#include "webhook/stats.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>

namespace senna::api {

namespace json = boost::json;

namespace {

using shape_fn = json::object (*)(const chat::message&);

json::object whole(const chat::message& m) {
    return message_json(m);
}

json::object id_only(const chat::message& m) {
    json::object o;
    o["id"] = m.id();
    return o;
}

// The event of a change, prepared once for the write to publish (its numbers are placeholders
// that the write fills, chat/publication.hpp) and for this instance's sockets afterwards.
struct fan_out {
    const realtime::hub* hub = nullptr;
    std::shared_ptr<realtime::hub::prepared_event> prepared =
        std::make_shared<realtime::hub::prepared_event>();
    // A send's entry, cut from its event's text (written::draft).
    std::shared_ptr<entry_draft> draft = std::make_shared<entry_draft>();

    // `chat` outlives the write (the caller's, awaited).
    chat::service::with_write before(std::string_view event_name, const chat::id& me,
                                     const chat::chat_ref& chat, shape_fn shape) const {
        if (!hub)
            return {};
        return [h = hub, p = prepared, d = draft, event_name, &me, &chat,
                shape](const chat::message& m, std::string_view stored, bool heard) {
            const bool with_rev = event_name != "new-message"; // sends are counted by seq
            // From the stored text when the hub takes text (it encodes no MessagePack now).
            std::vector<realtime::text_event::hole> holes;
            if (shape == &whole && h->takes_text(heard))
                if (auto open = message_payload_open(stored, with_rev, &holes)) {
                    if (!with_rev) { // the entry is the payload, closed
                        d->text.assign(*open).push_back('}');
                        d->seq_at = holes.front().at;
                    }
                    *p = h->prepare_text(
                        event_name, to_participants(me, chat, std::move(*open), std::move(holes)),
                        heard);
                    return chat::publishing{std::move(p->publications), std::move(p->check)};
                }
            d->text.clear(); // a retry that takes the DOM path drafts nothing
            json::object o = shape(m);
            o["seq"] = realtime::hub::placeholder(chat::slot::seq);
            if (with_rev)
                o["rev"] = realtime::hub::placeholder(chat::slot::rev);
            // An edit's retry, and a write refused because someone listens, prepare again.
            *p = h->prepare(event_name, to_participants(me, chat, std::move(o)), heard);
            return chat::publishing{std::move(p->publications), std::move(p->check)};
        };
    }
    /** The same event, with its numbers, to this instance's sockets once the write succeeded. */
    void after(const chat::change& c) const {
        if (hub)
            hub->deliver_prepared(*prepared, c.msg.seq, c.rev, c.offsets);
    }
};
// Whom `event` about `chat` is for, when webhooks want it: a DM's other participant, a topic's
// members but `me` (none when the topic has more than the limit). Empty: no notice.
net::awaitable<std::vector<chat::notice_recipient>> recipients(chat::service& chats,
                                                               const webhook_notices* n,
                                                               bool wanted, const chat::id& me,
                                                               const chat::chat_ref& chat) {
    std::vector<chat::notice_recipient> out;
    if (!n || !wanted)
        co_return out;
    std::vector<chat::id> ids;
    if (chat.type == chat::target::user) {
        ids.push_back(chat.other);
    } else {
        auto members = co_await chats.members(chat.other, n->max_recipients);
        if (!members)
            co_return out; // the write itself then fails the same way, or goes without events
        if (!*members) {
            if (n->stats)
                n->stats->skipped_topics.inc();
            log::warn("webhook_topic_skipped",
                      {{"topic", chat.other.text}, {"limit", long(n->max_recipients)}});
            co_return out;
        }
        ids = std::move(**members);
    }
    for (auto& u : ids)
        if (!(u == me))
            out.push_back({u.text, n->names.presence(u)});
    co_return out;
}

// The notice of a write: `event_name`'s data is the socket event its recipient would have got (the
// message as `shape` shows it, with `chat` as the recipient sees it; the write adds seq and rev).
chat::service::with_notice notice_of(const webhook_notices* n, std::string_view event_name,
                                     std::vector<chat::notice_recipient> to, const chat::id& me,
                                     const chat::chat_ref& chat, shape_fn shape) {
    if (!n || to.empty())
        return {};
    return [n, event = std::string(event_name), to = std::move(to), me, &chat,
            shape](const chat::message& m) -> std::optional<chat::offline_notice> {
        json::object o = shape(m);
        json::object c;
        c["type"] = chat.type == chat::target::user ? "user" : "topic";
        c["id"] = chat.type == chat::target::user ? me.to_json() : chat.other.to_json();
        o["chat"] = std::move(c);
        return chat::offline_notice{n->stream, event, json::serialize(o),
                                    n->names.instance_prefix(), to};
    };
}

} // namespace

json::object entry_json(written&& w) {
    return message_json(std::move(w.msg));
}

void append_entry(std::string& out, const written& w) {
    if (!w.draft.text.empty()) {
        out.append(w.draft.text, 0, w.draft.seq_at);
        util::append_integer(w.msg.seq, out);
        out.append(w.draft.text, w.draft.seq_at + realtime::hub::placeholder_digits);
        return;
    }
    spliced_message splice;
    if (!w.stored.empty() && splice.read(w.stored)) {
        splice.append(out, w.msg.seq, {});
        return;
    }
    out += json::serialize(message_json(w.msg));
}

net::awaitable<chat::outcome<written>>
send_and_deliver(chat::service& chats, const realtime::hub* hub, const chat::id& me,
                 const chat::chat_ref& chat, const json::object& body,
                 const webhook_notices* notices) {
    auto to = co_await recipients(chats, notices, notices && notices->message_new, me, chat);
    const fan_out f{hub};
    auto sent =
        co_await chats.send(me, chat, body, f.before("new-message", me, chat, &whole),
                            notice_of(notices, "message.new", std::move(to), me, chat, &whole));
    if (!sent)
        co_return sent.failure();
    if (!sent->duplicate) // a repeat stores and emits nothing
        f.after(*sent);
    // A repeat's entry is the stored message's, not this draft.
    const bool drafted = !sent->duplicate;
    co_return written{std::move(sent->msg), std::move(sent->stored), sent->duplicate,
                      drafted ? std::move(*f.draft) : entry_draft{}};
}

net::awaitable<chat::outcome<written>>
update_and_deliver(chat::service& chats, const realtime::hub* hub, const chat::id& me,
                   const chat::chat_ref& chat, std::string message_id, const json::object& body,
                   const webhook_notices* notices) {
    auto to = co_await recipients(chats, notices, notices && notices->message_updated, me, chat);
    const fan_out f{hub};
    auto updated = co_await chats.update(
        me, chat, std::move(message_id), body, f.before("update-message", me, chat, &whole),
        notice_of(notices, "message.updated", std::move(to), me, chat, &whole));
    if (!updated)
        co_return updated.failure();
    f.after(*updated);
    co_return written{std::move(updated->msg), std::move(updated->stored), false, {}};
}

net::awaitable<chat::outcome<chat::change>>
remove_and_deliver(chat::service& chats, const realtime::hub* hub, const chat::id& me,
                   const chat::chat_ref& chat, std::string message_id,
                   const webhook_notices* notices) {
    auto to = co_await recipients(chats, notices, notices && notices->message_deleted, me, chat);
    const fan_out f{hub};
    auto removed = co_await chats.remove(
        me, chat, std::move(message_id), f.before("delete-message", me, chat, &id_only),
        notice_of(notices, "message.deleted", std::move(to), me, chat, &id_only));
    if (!removed)
        co_return removed.failure();
    f.after(*removed);
    co_return std::move(*removed);
}

net::awaitable<chat::outcome<read_result>>
read_and_deliver(chat::service& chats, const realtime::hub* hub, const chat::id& me,
                 const chat::chat_ref& chat, std::optional<std::uint64_t> seq, std::string except) {
    auto moved = co_await chats.read(me, chat, seq);
    if (!moved)
        co_return moved.failure();
    read_result out{*moved, 0};
    // The total for every device's badge: all chats of the inbox (chat::unread_chats_limit).
    auto totals = co_await chats.unread(me);
    if (!totals)
        co_return totals.failure();
    out.total_unread = totals->total;
    if (hub && moved->moved) {
        json::object receipt;
        receipt["user_id"] = me.to_json();
        receipt["seq"] = moved->read_seq;
        hub->deliver("read", to_others(me, chat, receipt));
        json::object badge;
        badge["chat"] = chat_json(chat);
        badge["unread"] = moved->unread;
        badge["total"] = out.total_unread;
        hub->deliver("unread", to_user(me, badge, std::move(except)));
    }
    co_return out;
}

chat::outcome<std::optional<std::uint64_t>> read_seq(const json::object& body) {
    const auto* v = body.if_contains("seq");
    if (!v || v->is_null())
        return std::optional<std::uint64_t>{};
    if (v->is_uint64() || (v->is_int64() && v->get_int64() >= 0)) {
        const auto n =
            v->is_uint64() ? v->get_uint64() : static_cast<std::uint64_t>(v->get_int64());
        if (n <= chat::cursor_request::newest)
            return std::optional<std::uint64_t>{n};
    }
    std::string shown;
    if (v->is_double()) { // as JavaScript prints it: 1.5, not Boost's 1.5E0
        char buf[32];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v->get_double());
        shown.assign(buf, ec == std::errc() ? end : buf);
    } else {
        shown = v->is_string() ? std::string(v->get_string()) : json::serialize(*v);
    }
    return chat::outcome<std::optional<std::uint64_t>>(chat::error::invalid_cursor, shown);
}

} // namespace senna::api

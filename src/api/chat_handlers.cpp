#include "api/chat_handlers.hpp"

#include "api/abuse_limits.hpp"
#include "api/chat_writes.hpp"
#include "api/directory.hpp"
#include "api/error_map.hpp"
#include "api/format.hpp"
#include "api/message_text.hpp"
#include "chat/service.hpp"
#include "http/query.hpp"
#include "http/response.hpp"
#include "realtime/hub.hpp"
#include "util/strings.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serializer.hpp>

#include <algorithm>
#include <optional>
#include <variant>

namespace senna::api {

namespace json = boost::json;
using http::request_context;
using http::response;
using http::status;

namespace {

// The caller, or the 401 to answer. Remembers the token's profile claims for look-ups.
std::variant<chat::id, response> require_user(request_context& ctx, const rest_services& s) {
    auto a = authenticate(ctx.req, s.auth);
    if (a.rejection)
        return std::move(*a.rejection);
    if (!a.user)
        return not_authenticated_response(ctx.req.version());
    chat::id me{a.user->user_id, a.user->numeric};
    ctx.user = me.text;
    if (s.people)
        s.people->remember(me, a.user->claims);
    return me;
}

// The JSON object of the body: UTF-8 first (as the seed's body parser), then JSON. An empty
// body is `{}`; the Content-Type is not required (curl -d sends a form type). In `sp`.
std::variant<json::object, response> read_body(const http::request& req, json::storage_ptr sp) {
    const std::string& b = req.body();
    if (util::trim(b).empty())
        return json::object(std::move(sp));
    if (!util::valid_utf8(b))
        return http::bad_request_response("The request body is not valid UTF-8", req.version());
    net::error_code ec;
    json::value v = json::parse(b, ec, std::move(sp));
    if (ec)
        return http::bad_request_response("The request body is not valid JSON", req.version());
    if (!v.is_object())
        return error_response(to_api_error({chat::error::bad_body, {}}, 0), req.version());
    return std::move(v.get_object());
}

response failure(const request_context& ctx, const rest_services& s, const chat::problem& p) {
    return error_response(to_api_error(p, s.max_text_length), ctx.req.version());
}

// What every `/api/{target}/{id}...` handler starts from, in the seed's order: the caller
// (401), the body for writes (400), then the chat (400s for target and id). The body is parsed
// into `sp`: a write's request arena, which the message made from it shares (chat::service::send).
struct chat_call {
    chat::id me;
    chat::chat_ref chat;
    json::object body;
};

std::variant<chat_call, response> prepare(request_context& ctx, const rest_services& s,
                                          bool with_body, const json::storage_ptr& sp = {}) {
    auto who = require_user(ctx, s);
    if (auto* r = std::get_if<response>(&who))
        return std::move(*r);
    std::variant<json::object, response> body{json::object(sp)};
    if (with_body)
        body = read_body(ctx.req, sp);
    if (auto* r = std::get_if<response>(&body))
        return std::move(*r);
    auto& me = std::get<chat::id>(who);
    auto chat = s.chat->resolve(me, ctx.param("target"), ctx.param("id"));
    if (!chat)
        return failure(ctx, s, chat.failure());
    // Moved in, not assigned: an object assigned across memory resources is copied.
    return chat_call{std::move(me), std::move(*chat), std::move(std::get<json::object>(body))};
}

// The per-user message write limit (docs/limits.md): a 429 with Retry-After when it refuses.
// Checked after the caller and the chat are known and before anything reaches Redis.
std::optional<response> over_write_limit(const request_context& ctx, const rest_services& s,
                                         const chat::id& me) {
    if (!s.limits)
        return std::nullopt;
    const auto d = s.limits->message_write(me.text);
    if (d.allowed)
        return std::nullopt;
    util::metrics::count(s.auth.refusals, util::metrics::refusal::rest_rate_limited);
    return rate_limited_response(d, ctx.req.version());
}

// A moderator's mute in a topic (issue 17): the user's writes there are refused.
std::optional<response> over_mute(const request_context& ctx, const rest_services& s,
                                  const chat_call& call) {
    if (call.chat.type != chat::target::topic || !muted(s.auth, call.chat.other.text, call.me.text))
        return std::nullopt;
    util::metrics::count(s.auth.refusals, util::metrics::refusal::rest_user_muted);
    return rest_error(client_error::user_muted, ctx.req.version());
}

// An update that changes content (text or image) is a write the limit counts; one that only
// marks a message seen is not: a client catching up on a chat marks many at once.
bool changes_content(const json::object& body) {
    return body.contains("text") || body.contains("image");
}

json::object state_of(const chat::chat_ref& c) {
    json::object o;
    o["key"] = c.state_key;
    o["inbox_key"] = c.inbox_member;
    return o;
}

// The same, moved out for the page the first time it is asked for (an inbox page names each
// chat once, so each look-up is taken once) and copied after that.
json::value take(const std::vector<chat::id>& ids, std::vector<json::object>& found,
                 std::vector<bool>& taken, const chat::id& want, const json::storage_ptr& sp) {
    for (std::size_t i = 0; i < ids.size() && i < found.size(); ++i) {
        if (!(ids[i] == want))
            continue;
        if (taken[i])
            return json::value(found[i], sp);
        taken[i] = true;
        return json::value(std::move(found[i]), sp);
    }
    return json::value(id_only(want, sp), sp);
}

void add_unique(std::vector<chat::id>& ids, const chat::id& i) {
    if (std::find(ids.begin(), ids.end(), i) == ids.end())
        ids.push_back(i);
}

// Appends what json::serialize(v) returns.
template <class Json> void append_json(std::string& out, const Json& v) {
    json::serializer sr;
    sr.reset(&v);
    char buf[2048];
    while (!sr.done())
        out.append(sr.read(buf));
}

// The answer to a send or an update, as serialising {"state", "entry", "duplicate"?} writes it,
// the entry spliced from the message's stored text (append_entry).
std::string written_body(const chat::chat_ref& chat, const written& w) {
    std::string body;
    body.reserve(w.stored.size() + w.stored.size() / 2 + chat.state_key.size() +
                 chat.inbox_member.size() + 96);
    body += "{\"state\":{\"key\":";
    util::append_json_string(chat.state_key, body);
    body += ",\"inbox_key\":";
    util::append_json_string(chat.inbox_member, body);
    body += "},\"entry\":";
    append_entry(body, w);
    if (w.duplicate)
        body += ",\"duplicate\":true";
    body += '}';
    return body;
}

// One message of a history page: spliced from its stored text (message_text.hpp), or parsed
// and reshaped (the DOM path) when the splice cannot vouch for the text.
struct history_item {
    spliced_message splice;
    std::optional<chat::message> dom; // set: the DOM path
    std::uint64_t seq = 0;
    std::optional<chat::id> author;
};

// The page's messages, oldest to newest; a text parse_stored refuses is left out, as before.
// The items point into `texts`.
std::vector<history_item> read_history(const std::vector<chat::stored_text>& texts,
                                       const json::storage_ptr& sp) {
    std::vector<history_item> items;
    items.reserve(texts.size());
    for (const auto& t : texts) {
        history_item& i = items.emplace_back();
        i.seq = t.seq;
        if (i.splice.read(t.text)) {
            i.author = i.splice.author();
            continue;
        }
        auto m = chat::parse_stored(t.text, sp);
        if (!m) {
            items.pop_back();
            continue;
        }
        m->seq = t.seq;
        i.author = m->author();
        i.dom = std::move(*m);
    }
    return items;
}

// The serialised profile of each looked-up user (directory::user_texts), or id_only's for one
// not looked up.
class profile_texts {
public:
    profile_texts(const std::vector<chat::id>& ids, const std::vector<std::string>& found,
                  json::storage_ptr sp)
        : ids_(ids), found_(found), sp_(std::move(sp)) {}

    std::string_view of(const chat::id& a) {
        for (std::size_t i = 0; i < ids_.size() && i < found_.size(); ++i)
            if (ids_[i] == a)
                return found_[i];
        other_.clear();
        append_json(other_, id_only(a, sp_));
        return other_;
    }

private:
    const std::vector<chat::id>& ids_;
    const std::vector<std::string>& found_;
    json::storage_ptr sp_;
    std::string other_;
};

} // namespace

net::awaitable<response> handle_inbox(request_context& ctx, const rest_services& s) {
    auto who = require_user(ctx, s);
    if (auto* r = std::get_if<response>(&who))
        co_return std::move(*r);
    const chat::id me = std::get<chat::id>(who);
    const bool raw = http::find_query(ctx.query, "no_format").present;
    json::monotonic_resource arena(16 * 1024); // as in handle_history
    const json::storage_ptr sp(&arena);
    auto page = co_await s.chat->inbox(me, pagination(ctx.query), !raw, sp, !raw);
    if (!page)
        co_return failure(ctx, s, page.failure());

    const json::object state = state_json(s.chat->key_space().inbox_state_key(me), page->state);
    if (raw) {
        // The seed's raw listing: no look-ups, no latest message, the score as it is.
        json::object out(sp);
        out["state"] = state;
        json::array entries(sp);
        entries.reserve(page->entries.size());
        for (const auto& e : page->entries) {
            json::object o(sp);
            o["type"] = e.type == chat::target::user ? "user" : "topic";
            o["id"] = e.chat_id.to_json();
            o["latest"] = nullptr;
            o["timestamp"] = e.score;
            entries.push_back(std::move(o));
        }
        out["entries"] = std::move(entries);
        co_return http::json_response(status::ok, out, ctx.req.version());
    }
    std::vector<chat::id> user_ids, topic_ids;
    for (const auto& e : page->entries)
        add_unique(e.type == chat::target::user ? user_ids : topic_ids, e.chat_id);
    const auto users = co_await s.people->user_texts(user_ids); // spliced as they are
    profile_texts profiles(user_ids, users, sp);
    auto topics = co_await s.people->topics(topic_ids, sp);
    std::vector<bool> topics_taken(topics.size());
    // The page as text, as serialising {"state", "entries": [...]} writes it, each entry's
    // latest message spliced from its stored text where message_text.hpp can vouch for it.
    std::string body;
    std::size_t stored = 0;
    for (const auto& e : page->entries)
        stored += e.latest_text ? e.latest_text->text.size() : 0;
    body.reserve(stored + stored / 2 + 256 * page->entries.size() + 256);
    body += "{\"state\":";
    append_json(body, state);
    body += ",\"entries\":[";
    spliced_message splice;
    bool first = true;
    for (auto& e : page->entries) {
        const bool is_user = e.type == chat::target::user;
        if (!first)
            body += ',';
        first = false;
        body += is_user ? "{\"type\":\"user\",\"id\":" : "{\"type\":\"topic\",\"id\":";
        e.chat_id.append_json(body);
        body += ",\"latest\":";
        const auto* latest = e.latest_text ? &*e.latest_text : nullptr;
        if (latest && splice.read(latest->text)) {
            splice.append(body, latest->seq, {});
        } else if (auto m = latest ? chat::parse_stored(latest->text, sp) : std::nullopt) {
            m->seq = latest->seq;
            append_json(body, message_json(std::move(*m)));
        } else {
            body += "null";
        }
        body += ",\"timestamp\":";
        append_json(body, timestamp_json(e.score, sp));
        body += ",\"unread\":";
        util::append_integer(e.unread, body);
        body += ",\"read_seq\":";
        util::append_integer(e.read_seq, body);
        if (is_user) {
            body += ",\"user\":";
            body += profiles.of(e.chat_id);
        } else {
            body += ",\"topic\":";
            append_json(body, take(topic_ids, topics, topics_taken, e.chat_id, sp));
        }
        body += '}';
    }
    body += "]}";
    co_return http::json_text_response(status::ok, std::move(body), ctx.req.version());
}

net::awaitable<response> handle_history(request_context& ctx, const rest_services& s) {
    auto prepared = prepare(ctx, s, false);
    if (auto* r = std::get_if<response>(&prepared))
        co_return std::move(*r);
    const chat::chat_ref& chat = std::get<chat_call>(prepared).chat;
    // What is parsed (the state, the profiles, the messages that cannot be spliced) is parsed
    // and reshaped in one arena, freed at once at the end (malloc and free were a third of a
    // history request's instructions).
    json::monotonic_resource arena(16 * 1024);
    const json::storage_ptr sp(&arena);
    // By cursor (before / after / around a seq) or by the seed's page numbers; the messages as
    // stored, unparsed.
    json::object state(sp);
    std::vector<chat::stored_text> texts;
    if (auto by_cursor = cursor(ctx.query)) {
        if (!*by_cursor)
            co_return failure(ctx, s, by_cursor->failure());
        auto page = co_await s.chat->history(chat, **by_cursor, sp, true);
        if (!page)
            co_return failure(ctx, s, page.failure());
        state = state_json(chat.state_key, page->state);
        texts = std::move(page->texts);
    } else {
        auto page = co_await s.chat->history(chat, pagination(ctx.query), sp, true);
        if (!page)
            co_return failure(ctx, s, page.failure());
        state = state_json(chat.state_key, page->state);
        texts = std::move(page->texts);
    }
    std::vector<history_item> items = read_history(texts, sp);

    std::vector<chat::id> user_ids;
    for (const auto& i : items)
        if (i.author)
            add_unique(user_ids, *i.author);
    const bool dm = chat.type == chat::target::user;
    if (dm)
        add_unique(user_ids, chat.other);
    // The profiles as text: the page splices them (author_texts).
    const auto users = co_await s.people->user_texts(user_ids);
    profile_texts authors(user_ids, users, sp);
    std::vector<json::object> topic;
    if (!dm) {
        std::vector<chat::id> topic_ids{chat.other}; // no braced list inside co_await (GCC 12)
        topic = co_await s.people->topics(std::move(topic_ids), sp);
    }

    // The page as text, as serialising {"state", "entry", "messages": [...]} writes it.
    std::string body;
    std::size_t stored = 0;
    for (const auto& t : texts)
        stored += t.text.size();
    body.reserve(stored + stored / 2 + 1024);
    body += "{\"state\":";
    append_json(body, state);
    body += ",\"entry\":";
    if (dm)
        body += authors.of(chat.other);
    else if (!topic.empty())
        append_json(body, topic[0]);
    else
        append_json(body, id_only(chat.other, sp));
    body += ",\"messages\":[";
    bool first = true;
    for (auto& i : items) {
        if (!first)
            body += ',';
        first = false;
        if (!i.dom) {
            i.splice.append(body, i.seq, i.author ? authors.of(*i.author) : std::string_view());
            continue;
        }
        json::object o = message_json(std::move(*i.dom));
        if (i.author) // the same profile text, parsed for this message's DOM (rare)
            o["author"] = json::parse(authors.of(*i.author), sp);
        append_json(body, o);
    }
    body += "]}";
    co_return http::json_text_response(status::ok, std::move(body), ctx.req.version());
}

net::awaitable<response> handle_send(request_context& ctx, const rest_services& s) {
    // The request's JSON (the body, the message made from it, the event's payloads) in one
    // arena, most of it in the coroutine's frame: no allocation per node (issue 19).
    alignas(std::max_align_t) unsigned char buffer[4096];
    json::monotonic_resource arena(buffer, sizeof buffer);
    auto prepared = prepare(ctx, s, true, json::storage_ptr(&arena));
    if (auto* r = std::get_if<response>(&prepared))
        co_return std::move(*r);
    auto& call = std::get<chat_call>(prepared);
    if (auto refused = over_mute(ctx, s, call))
        co_return std::move(*refused);
    if (auto limited = over_write_limit(ctx, s, call.me))
        co_return std::move(*limited);
    auto sent = co_await send_and_deliver(*s.chat, s.hub, call.me, call.chat, call.body, s.notices);
    if (!sent)
        co_return failure(ctx, s, sent.failure());
    // A repeated client_msg_id: the first answer again, marked, with 200 (nothing was stored).
    co_return http::json_text_response(sent->duplicate ? status::ok : status::created,
                                       written_body(call.chat, *sent), ctx.req.version());
}

net::awaitable<response> handle_update(request_context& ctx, const rest_services& s) {
    alignas(std::max_align_t) unsigned char buffer[4096]; // as in handle_send
    json::monotonic_resource arena(buffer, sizeof buffer);
    auto prepared = prepare(ctx, s, true, json::storage_ptr(&arena));
    if (auto* r = std::get_if<response>(&prepared))
        co_return std::move(*r);
    auto& call = std::get<chat_call>(prepared);
    if (changes_content(call.body)) {
        if (auto refused = over_mute(ctx, s, call))
            co_return std::move(*refused);
        if (auto limited = over_write_limit(ctx, s, call.me))
            co_return std::move(*limited);
    }
    auto updated =
        co_await update_and_deliver(*s.chat, s.hub, call.me, call.chat,
                                    std::string(ctx.param("message_id")), call.body, s.notices);
    if (!updated)
        co_return failure(ctx, s, updated.failure());
    co_return http::json_text_response(status::ok, written_body(call.chat, *updated),
                                       ctx.req.version());
}

net::awaitable<response> handle_remove(request_context& ctx, const rest_services& s) {
    auto prepared = prepare(ctx, s, false);
    if (auto* r = std::get_if<response>(&prepared))
        co_return std::move(*r);
    auto& call = std::get<chat_call>(prepared);
    if (auto limited = over_write_limit(ctx, s, call.me))
        co_return std::move(*limited);
    auto removed = co_await remove_and_deliver(*s.chat, s.hub, call.me, call.chat,
                                               std::string(ctx.param("message_id")), s.notices);
    if (!removed)
        co_return failure(ctx, s, removed.failure());
    json::object out;
    out["state"] = state_of(call.chat);
    out["message"] = "Message deleted";
    out["success"] = true;
    co_return http::json_response(status::ok, out, ctx.req.version());
}

net::awaitable<response> handle_read(request_context& ctx, const rest_services& s) {
    auto prepared = prepare(ctx, s, true);
    if (auto* r = std::get_if<response>(&prepared))
        co_return std::move(*r);
    auto& call = std::get<chat_call>(prepared);
    auto seq = read_seq(call.body);
    if (!seq)
        co_return failure(ctx, s, seq.failure());
    auto moved = co_await read_and_deliver(*s.chat, s.hub, call.me, call.chat, *seq);
    if (!moved)
        co_return failure(ctx, s, moved.failure());
    json::object out;
    out["state"] = state_of(call.chat);
    out["read_seq"] = moved->state.read_seq;
    out["unread"] = moved->state.unread;
    out["total"] = moved->total_unread;
    co_return http::json_response(status::ok, out, ctx.req.version());
}

net::awaitable<response> handle_reads(request_context& ctx, const rest_services& s) {
    auto prepared = prepare(ctx, s, false);
    if (auto* r = std::get_if<response>(&prepared))
        co_return std::move(*r);
    auto& call = std::get<chat_call>(prepared);
    auto reads = co_await s.chat->reads(call.chat, chat::reads_listed_limit);
    if (!reads)
        co_return failure(ctx, s, reads.failure());
    json::object out;
    out["state"] = state_of(call.chat);
    json::array list;
    for (auto& [user, seq] : *reads) {
        auto who = chat::id::parse(user);
        if (!who)
            continue;
        json::object o;
        o["user_id"] = who->to_json();
        o["seq"] = seq;
        list.push_back(std::move(o));
    }
    out["reads"] = std::move(list);
    co_return http::json_response(status::ok, out, ctx.req.version());
}

net::awaitable<response> handle_unread(request_context& ctx, const rest_services& s) {
    auto who = require_user(ctx, s);
    if (auto* r = std::get_if<response>(&who))
        co_return std::move(*r);
    const chat::id me = std::get<chat::id>(who);
    auto summary = co_await s.chat->unread(me);
    if (!summary)
        co_return failure(ctx, s, summary.failure());
    json::object out;
    out["total"] = summary->total;
    json::array chats;
    for (const auto& c : summary->chats) {
        json::object o;
        o["type"] = c.type == chat::target::user ? "user" : "topic";
        o["id"] = c.chat_id.to_json();
        o["unread"] = c.unread;
        o["read_seq"] = c.read_seq;
        chats.push_back(std::move(o));
    }
    out["chats"] = std::move(chats);
    co_return http::json_response(status::ok, out, ctx.req.version());
}

} // namespace senna::api

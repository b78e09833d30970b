#include "chat/service.hpp"

#include "chat/rooms.hpp"
#include "chat/service_detail.hpp"
#include "redis/connection.hpp"
#include "redis/request.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>

namespace senna::chat {

namespace json = boost::json;
using namespace detail;

namespace {

constexpr int max_update_attempts = 5;

// A string that is not empty (the seed's `supplied`).
const json::string* supplied(const json::object& body, std::string_view field) {
    auto it = body.find(field);
    if (it == body.end() || !it->value().is_string() || it->value().get_string().empty())
        return nullptr;
    return &it->value().get_string();
}

// JavaScript's `${value}` of a JSON value, for "Invalid type "X"" messages.
std::string js_text(const json::object& body, std::string_view field) {
    auto it = body.find(field);
    if (it == body.end())
        return "undefined";
    const json::value& v = it->value();
    if (v.is_string())
        return std::string(v.get_string());
    if (v.is_object())
        return "[object Object]";
    if (v.is_array()) {
        std::string out;
        for (std::size_t i = 0; i < v.get_array().size(); ++i) {
            const auto& e = v.get_array()[i];
            if (i)
                out += ',';
            if (e.is_string())
                out += e.get_string();
            else if (!e.is_null())
                out += json::serialize(e);
        }
        return out;
    }
    return json::serialize(v);
}
bool valid_client_msg_id(std::string_view v) {
    if (v.empty() || v.size() > 64)
        return false;
    return std::all_of(v.begin(), v.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

// The limits every stored text or image obeys, on send and on edit.
std::optional<problem> check_content(std::string_view field, std::string_view value,
                                     const limits& l) {
    if (!util::valid_utf8(value))
        return problem{error::invalid_utf8, std::string(field)};
    bool too_long = field == "image" ? value.size() > l.max_image_length
                                     : code_points(value) > l.max_text_length;
    if (too_long)
        return problem{error::content_too_long, std::string(field)};
    return std::nullopt;
}

} // namespace

service::service(redis::connection& redis, keys k, limits l)
    : redis_(redis), keys_(std::move(k)), limits_(l), scripts_(std::make_unique<script_set>()) {}

service::~service() = default;

outcome<chat_ref> service::resolve(const id& me, std::string_view target,
                                   std::string_view raw_id) const {
    if (target != "user" && target != "topic")
        return problem{error::invalid_target, std::string(target)};
    auto other = id::parse(raw_id);
    if (!other)
        return problem{error::invalid_id, std::string(raw_id)};
    if (target == "topic") {
        chat_ref c = keys_.topic(*other);
        c.viewer = me;
        return c;
    }
    if (*other == me)
        return problem{error::self_message, {}};
    return keys_.dm(me, *other);
}

std::optional<chat_ref> service::chat_of(const id& me, target t, const id& chat_id) const {
    if (t == target::topic) {
        chat_ref c = keys_.topic(chat_id);
        c.viewer = me;
        return c;
    }
    if (chat_id == me)
        return std::nullopt; // a self-DM cannot exist
    return keys_.dm(me, chat_id);
}

net::awaitable<std::optional<problem>> service::adopt(const chat_ref& chat, bool force) {
    script_args k = log_keys(chat);
    script_args a;
    add_dm_pair(a, chat);
    a.add(force ? "1" : "0");
    auto r = co_await run(redis_, scripts_->adopt, k, a);
    if (!r)
        co_return r.failure();
    co_return std::nullopt;
}

net::awaitable<outcome<change>> service::send(const id& me, const chat_ref& chat,
                                              const json::object& body, const with_write& also,
                                              const with_notice& notice) {
    auto type_it = body.find("type");
    std::string_view type;
    if (type_it != body.end() && type_it->value().is_string())
        type = type_it->value().get_string();
    if (type != "text" && type != "image")
        co_return problem{error::invalid_type, js_text(body, "type")};
    const json::string* content = supplied(body, type);
    if (!content)
        co_return problem{error::missing_content, std::string(type)};
    if (auto p = check_content(type, *content, limits_))
        co_return *p;
    std::string_view client_msg_id;
    if (auto it = body.find("client_msg_id"); it != body.end()) {
        const json::value& v = it->value();
        if (!v.is_string() || !valid_client_msg_id(v.get_string()))
            co_return problem{error::invalid_client_msg_id, v.is_string()
                                                                ? std::string(v.get_string())
                                                                : js_text(body, "client_msg_id")};
        client_msg_id = v.get_string();
    }

    const auto now = util::now_ms();
    message m = make_message(util::uuid_v4(), me, now, type, *content, body.storage());
    if (!client_msg_id.empty())
        m.json.emplace("client_msg_id", client_msg_id);
    const std::string mid(m.id());
    const bool dm = chat.type == target::user;

    // One script: the message, its seq, its place in the chat, the sender's activity, both
    // inboxes, the client_msg_id record and the publications, or nothing (scripts.cpp). In the
    // cluster layout the script writes the chat's slot only, and the users' keys, the
    // publications and the notice follow it (docs/adr/0012-cluster-key-layout.md).
    const bool split = keys_.cluster();
    auto n = notice ? notice(m) : std::nullopt;
    auto extras = co_await prepare_extras(redis_, split, std::move(n));
    if (!extras)
        co_return extras.failure();
    script_args k = write_keys(chat);
    if (!client_msg_id.empty())
        k.add(chat.client_msg_key(me, client_msg_id));
    const std::size_t users = split ? 0 : k.size() + 1;
    if (!split) {
        k.add(keys_.activity(me));
        k.add(keys_.inbox(me));
        if (dm)
            k.add(keys_.inbox(chat.other));
    }
    script_args a;
    a.add(dm ? "1" : "0");
    a.add(client_msg_id.empty() ? "0" : "1");
    a.add(mid);
    const std::size_t stored_at = a.size();
    a.add(serialize(m));
    a.add(util::iso8601(now));
    a.add(std::to_string(now));
    a.add(chat.inbox_member);
    a.add(dm ? user_room(me) : std::string());
    a.add(me.text);
    a.add(std::uint64_t(client_msg_id_ttl_seconds));
    add_dm_pair(a, chat);
    a.add(static_cast<std::uint64_t>(users));
    auto r = co_await run_write(redis_, scripts_->send, k, a, also, m, *extras, stored_at);
    if (!r)
        co_return r.failure();
    const auto& e = r->front().elements;
    if (e.size() < 3)
        co_return problem{error::store_failed, "unexpected reply to a send"};
    if (as_count(e[0]) == 1) {
        // Seen before: the message stored then, exactly.
        change out;
        auto stored = parse_stored(e[2].as_string());
        if (!stored)
            co_return problem{error::store_failed, "unreadable client_msg_id record"};
        out.msg = std::move(*stored);
        out.msg.seq = as_count(e[1]);
        out.stored = e[2].as_string();
        out.duplicate = true;
        if (split) {
            // A retry: the users' steps again, with the stored message's own time (the first
            // attempt may have stopped before them).
            auto ts = out.msg.json.find("timestamp");
            auto at = ts != out.msg.json.end() && ts->value().is_string()
                          ? util::parse_time(ts->value().get_string())
                          : std::nullopt;
            auto failed = co_await users_after_send(me, chat, at.value_or(now));
            if (failed)
                co_return *failed;
        }
        co_return out;
    }
    if (split) {
        auto failed = co_await users_after_send(me, chat, now);
        if (failed)
            co_return *failed;
    }
    // The message moved in, not assigned: it stays in its memory resource (the body's).
    change done{.msg = std::move(m),
                .stored = a.take(stored_at),
                .rev = as_count(e[2]),
                .offsets = log_ids(e)};
    done.msg.seq = as_count(e[1]);
    auto failed = co_await extras->after(redis_, scripts_->publish_after, done, false);
    if (failed)
        co_return *failed;
    co_return done;
}

net::awaitable<std::optional<problem>> service::users_after_send(const id& me, const chat_ref& chat,
                                                                 std::int64_t at) {
    // The users' slots: idempotent (the same member and score again), so a retry repeats them
    // harmlessly.
    redis::request req;
    req.push("HSET", keys_.activity(me), "last_active", util::iso8601(at));
    req.push("ZADD", keys_.inbox(me), at, chat.inbox_member);
    if (chat.type == target::user)
        req.push("ZADD", keys_.inbox(chat.other), at, user_room(me));
    auto u = co_await pipeline(redis_, req);
    if (!u)
        co_return u.failure();
    co_return std::nullopt;
}

net::awaitable<outcome<change>> service::update(const id& me, const chat_ref& chat,
                                                std::string message_id, const json::object& body,
                                                const with_write& also, const with_notice& notice) {
    if (message_id.empty() || message_id.size() > 256)
        co_return problem{error::not_found, {}};
    for (int attempt = 0; attempt < max_update_attempts; ++attempt) {
        redis::request get;
        get.push("HGET", chat.data_key, message_id);
        auto replies = co_await pipeline(redis_, get);
        if (!replies)
            co_return replies.failure();
        const std::string raw((*replies)[0].as_string());
        auto current = (*replies)[0].is_nil() ? std::nullopt : parse_stored(raw);
        if (!current)
            co_return problem{error::not_found, {}};

        auto author = current->author();
        const bool is_author = author && *author == me;
        message next = *current;
        bool valid = false;

        // Content: `text` of a text message, `image` of an image message; the author's alone.
        std::string_view field = current->type();
        if (field == "text" || field == "image") {
            if (const json::string* value = supplied(body, field)) {
                if (!is_author)
                    co_return problem{error::forbidden_edit, {}};
                if (auto p = check_content(field, *value, limits_))
                    co_return *p;
                auto old = current->json.find(field);
                if (old == current->json.end() || old->value() != json::value(*value)) {
                    next.json[field] = *value;
                    next.json["edited"] = util::iso8601(util::now_ms());
                }
                valid = true;
            }
        }
        // "seen" counts from a participant who is not the author; from the author it is
        // ignored (the seed's own tests send it along with an edit).
        auto status = body.find("status");
        if (status != body.end() && status->value() == json::value("seen") && !is_author) {
            next.json["status"] = "seen";
            valid = true;
        }
        if (!valid)
            co_return problem{error::nothing_to_update, {}};

        // Compare-and-set, so concurrent updates never overwrite each other: the new JSON is
        // written only if the stored one is still what it was computed from.
        auto n = notice ? notice(next) : std::nullopt;
        auto extras = co_await prepare_extras(redis_, keys_.cluster(), std::move(n));
        if (!extras)
            co_return extras.failure();
        script_args k = write_keys(chat);
        script_args a;
        a.add(message_id);
        a.add(raw);
        const std::size_t stored_at = a.size();
        a.add(serialize(next));
        add_dm_pair(a, chat);
        auto r = co_await run_write(redis_, scripts_->edit, k, a, also, next, *extras, stored_at);
        if (!r)
            co_return r.failure();
        const auto& e = r->front().elements;
        if (!e.empty() && as_count(e[0]) == 1 && e.size() >= 3) {
            change out;
            out.msg = std::move(next);
            out.msg.seq = as_count(e[1]);
            out.stored = a.take(stored_at);
            out.rev = as_count(e[2]);
            out.offsets = log_ids(e);
            auto failed = co_await extras->after(redis_, scripts_->publish_after, out, true);
            if (failed)
                co_return *failed;
            co_return out;
        }
        // Someone else changed the message meanwhile: recompute from the new version.
    }
    co_return problem{error::conflict, {}};
}

net::awaitable<outcome<change>> service::remove(const id& me, const chat_ref& chat,
                                                std::string message_id, const with_write& also,
                                                const with_notice& notice) {
    if (message_id.empty() || message_id.size() > 256)
        co_return problem{error::not_found, {}};
    redis::request get;
    get.push("HGET", chat.data_key, message_id);
    auto replies = co_await pipeline(redis_, get);
    if (!replies)
        co_return replies.failure();
    auto current = (*replies)[0].type == redis::reply::kind::string
                       ? parse_stored((*replies)[0].as_string())
                       : std::nullopt;
    if (!current)
        co_return problem{error::not_found, {}};
    auto author = current->author();
    if (!author || !(*author == me))
        co_return problem{error::forbidden_delete, {}};
    auto n = notice ? notice(*current) : std::nullopt;
    auto extras = co_await prepare_extras(redis_, keys_.cluster(), std::move(n));
    if (!extras)
        co_return extras.failure();
    script_args k = write_keys(chat);
    script_args a;
    a.add(message_id);
    a.add(author->text);
    add_dm_pair(a, chat);
    auto r = co_await run_write(redis_, scripts_->remove, k, a, also, *current, *extras);
    if (!r)
        co_return r.failure();
    const auto& e = r->front().elements;
    if (e.empty() || as_count(e[0]) != 1 || e.size() < 3)
        co_return problem{error::not_found, {}}; // deleted meanwhile
    change out;
    out.msg = std::move(*current);
    out.msg.seq = as_count(e[1]);
    out.rev = as_count(e[2]);
    out.offsets = log_ids(e);
    auto failed = co_await extras->after(redis_, scripts_->publish_after, out, true);
    if (failed)
        co_return *failed;
    co_return out;
}

net::awaitable<outcome<read_state>> service::read(const id& me, const chat_ref& chat,
                                                  std::optional<std::uint64_t> seq) {
    script_args k = log_keys(chat);
    script_args a;
    a.add(me.text);
    a.add(seq ? std::to_string(*seq) : std::string());
    add_dm_pair(a, chat);
    auto r = co_await run(redis_, scripts_->read, k, a);
    if (!r)
        co_return r.failure();
    const auto& e = r->front().elements;
    if (e.size() < 4)
        co_return problem{error::store_failed, "unexpected reply to a read"};
    co_return read_state{as_count(e[0]), as_count(e[1]), as_count(e[3]), as_count(e[2]) == 1};
}

net::awaitable<outcome<std::optional<std::vector<id>>>> service::members(const id& topic,
                                                                         std::size_t limit) {
    // One round trip: the set only when it is small enough to read.
    script_args k;
    k.add(keys_.topic(topic).members_key());
    script_args a;
    a.add(static_cast<std::uint64_t>(limit));
    auto r = co_await run(redis_, scripts_->members, k, a);
    if (!r)
        co_return r.failure();
    std::optional<std::vector<id>> out;
    if (!r->front().is_array())
        co_return out; // more than `limit`
    out.emplace();
    for (const auto& m : r->front().elements)
        if (auto u = id::parse(m.as_string()))
            out->push_back(std::move(*u));
    co_return out;
}

net::awaitable<outcome<done>> service::set_member(const id& topic, const id& user, bool member) {
    redis::request req;
    req.push(member ? "SADD" : "SREM", keys_.topic(topic).members_key(), user.text);
    auto r = co_await pipeline(redis_, req);
    if (!r)
        co_return r.failure();
    co_return done{};
}

} // namespace senna::chat

#include "chat/service.hpp"

#include "redis/connection.hpp"
#include "redis/script.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

#include <boost/json/serialize.hpp>

namespace senna::chat {

namespace json = boost::json;

namespace {

// Compare-and-set of one message's JSON, so concurrent updates never overwrite each other: the
// new JSON is written only if the stored one is still what the update was computed from.
constexpr const char* cas_lua = R"(if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  return 1
end
return 0)";

// The latest stored message of each chat list in KEYS, in one round trip ('' when none; a nil
// would end a Lua array early). It only reads, so a Redis over maxmemory still runs it: Redis
// refuses a script (without a shebang) only at its first write. No `#!lua flags=no-writes`
// shebang: Redis 6 cannot compile one, and Redis 7 needs none for this (docs/adr).
constexpr const char* latest_lua = R"(local out = {}
for i, k in ipairs(KEYS) do
  local id = redis.call('LINDEX', k, -1)
  local raw = false
  if id then raw = redis.call('HGET', k .. ':data', id) end
  out[i] = raw or ''
end
return out)";

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

page_state make_state(page_request p, std::uint64_t total) {
    return {p.page, p.per_page, total,
            std::max<std::uint64_t>(1, (total + p.per_page - 1) / p.per_page)};
}

// Runs `cmds` inside MULTI/EXEC and returns EXEC's replies, one per command.
net::awaitable<outcome<std::vector<redis::reply>>> transaction(redis::connection& conn,
                                                               const redis::request& cmds) {
    redis::request req;
    req.push("MULTI");
    req.append(cmds);
    req.push("EXEC");
    auto [ec, replies] = co_await conn.exec(req);
    if (ec)
        co_return problem{error::store_unavailable, ec.message()};
    const auto& exec = replies.back();
    if (!exec.is_array()) {
        // A command Redis refused to queue aborts the whole transaction: nothing was written.
        for (const auto& r : replies)
            if (r.is_error())
                co_return problem{error::store_failed, std::string(r.as_string())};
        co_return problem{error::store_failed, "transaction aborted"};
    }
    for (const auto& r : exec.elements)
        if (r.is_error())
            co_return problem{error::store_failed, std::string(r.as_string())};
    co_return std::move(replies.back().elements);
}

// Runs `cmds` as one plain pipeline and returns one reply per command: for reads. Not in a
// MULTI, because a Redis over maxmemory refuses every command queued in a MULTI, reads
// included, while it still serves them outside one (docs/storage.md, "When Redis is full").
// The commands are sent back to back but other clients' writes may land between them.
net::awaitable<outcome<std::vector<redis::reply>>> pipeline(redis::connection& conn,
                                                            const redis::request& cmds) {
    auto [ec, replies] = co_await conn.exec(cmds);
    if (ec)
        co_return problem{error::store_unavailable, ec.message()};
    for (const auto& r : replies)
        if (r.is_error())
            co_return problem{error::store_failed, r.str};
    co_return std::move(replies);
}

} // namespace

service::service(redis::connection& redis, keys k, limits l)
    : redis_(redis), keys_(std::move(k)), limits_(l),
      cas_(std::make_unique<redis::script>(cas_lua)),
      latest_(std::make_unique<redis::script>(latest_lua)) {}

service::~service() = default;

outcome<chat_ref> service::resolve(const id& me, std::string_view target,
                                   std::string_view raw_id) const {
    if (target != "user" && target != "topic")
        return problem{error::invalid_target, std::string(target)};
    auto other = id::parse(raw_id);
    if (!other)
        return problem{error::invalid_id, std::string(raw_id)};
    if (target == "topic")
        return keys_.topic(*other);
    if (*other == me)
        return problem{error::self_message, {}};
    return keys_.dm(me, *other);
}

namespace {
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

net::awaitable<outcome<message>> service::send(const id& me, const chat_ref& chat,
                                               const json::object& body, const with_write& also) {
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

    const auto now = util::now_ms();
    message m = make_message(util::uuid_v4(), me, now, type, *content);
    const std::string mid(m.id());
    const std::string iso = util::iso8601(now);

    // One MULTI: the message, its place in the chat, the sender's activity, both inboxes, or
    // nothing. MULTI/EXEC rather than a Lua script: measured with shared/bench/redis-limit.sh
    // (2026-11-27, 50 clients, unpipelined), Redis spent 18.5 us of CPU per send as MULTI/EXEC
    // (27.6k sends/s at 51% CPU) against 27.7 us as EVALSHA (28.5k/s at 79%), and a MULTI whose
    // EXEC never arrives is discarded by Redis, so it is just as atomic.
    redis::request cmds;
    cmds.push("HSET", chat.data_key, mid, serialize(m));
    cmds.push("RPUSH", chat.list_key, mid);
    cmds.push("HSET", keys_.activity(me), "last_active", iso);
    cmds.push("ZADD", keys_.inbox(me), static_cast<long long>(now), chat.inbox_member);
    if (chat.type == target::user)
        cmds.push("ZADD", keys_.inbox(chat.other), static_cast<long long>(now), "user-" + me.text);
    if (also)
        also(m, cmds);
    auto r = co_await transaction(redis_, cmds);
    if (!r)
        co_return r.failure();
    co_return m;
}

net::awaitable<outcome<message>> service::update(const id& me, const chat_ref& chat,
                                                 std::string message_id, const json::object& body) {
    if (message_id.empty() || message_id.size() > 256)
        co_return problem{error::not_found, {}};
    for (int attempt = 0; attempt < max_update_attempts; ++attempt) {
        redis::request get;
        get.push("HGET", chat.data_key, message_id);
        auto [ec, replies] = co_await redis_.exec(get);
        if (ec)
            co_return problem{error::store_unavailable, ec.message()};
        if (replies[0].is_error())
            co_return problem{error::store_failed, replies[0].str};
        const std::string raw = replies[0].str;
        auto current = replies[0].is_nil() ? std::nullopt : parse_stored(raw);
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

        const std::string next_raw = serialize(next);
        std::array<std::string_view, 1> k{chat.data_key};
        std::array<std::string_view, 3> a{message_id, raw, next_raw};
        auto [eec, swapped] = co_await redis_.evalsha(*cas_, k, a);
        if (eec)
            co_return problem{error::store_unavailable, eec.message()};
        if (swapped.is_error())
            co_return problem{error::store_failed, swapped.str};
        if (swapped.as_integer() == 1)
            co_return next;
        // Someone else changed the message meanwhile: recompute from the new version.
    }
    co_return problem{error::conflict, {}};
}

net::awaitable<outcome<done>> service::remove(const id& me, const chat_ref& chat,
                                              std::string message_id) {
    if (message_id.empty() || message_id.size() > 256)
        co_return problem{error::not_found, {}};
    redis::request get;
    get.push("HGET", chat.data_key, message_id);
    auto [ec, replies] = co_await redis_.exec(get);
    if (ec)
        co_return problem{error::store_unavailable, ec.message()};
    if (replies[0].is_error())
        co_return problem{error::store_failed, replies[0].str};
    auto current =
        replies[0].type == redis::reply::kind::string ? parse_stored(replies[0].str) : std::nullopt;
    if (!current)
        co_return problem{error::not_found, {}};
    auto author = current->author();
    if (!author || !(*author == me))
        co_return problem{error::forbidden_delete, {}};
    redis::request cmds;
    cmds.push("HDEL", chat.data_key, message_id);
    cmds.push("LREM", chat.list_key, 0LL, message_id);
    auto r = co_await transaction(redis_, cmds);
    if (!r)
        co_return r.failure();
    co_return done{};
}

net::awaitable<outcome<history_page>> service::history(const chat_ref& chat, page_request p,
                                                       boost::json::storage_ptr sp) {
    // Page 1 is the newest `per_page` ids; the list is oldest first, so negative offsets read
    // one page without touching the rest of the chat.
    const auto start = -static_cast<long long>(p.page * p.per_page);
    const auto stop = -static_cast<long long>((p.page - 1) * p.per_page + 1);
    redis::request cmds;
    cmds.push("LLEN", chat.list_key);
    cmds.push("LRANGE", chat.list_key, start, stop);
    auto r = co_await pipeline(redis_, cmds);
    if (!r)
        co_return r.failure();
    auto& replies = *r;
    history_page out;
    out.state = make_state(p, static_cast<std::uint64_t>(replies[0].as_integer().value_or(0)));
    const auto& ids = replies[1].elements;
    if (ids.empty())
        co_return out;
    std::vector<std::string_view> fields;
    fields.reserve(ids.size());
    for (const auto& i : ids)
        fields.push_back(i.as_string());
    redis::request get;
    get.push_range("HMGET", chat.data_key, fields);
    auto [ec, values] = co_await redis_.exec(get);
    if (ec)
        co_return problem{error::store_unavailable, ec.message()};
    if (values[0].is_error())
        co_return problem{error::store_failed, values[0].str};
    out.messages.reserve(values[0].elements.size());
    for (const auto& v : values[0].elements)
        if (v.type == redis::reply::kind::string)
            if (auto m = parse_stored(v.str, sp))
                out.messages.push_back(std::move(*m));
    co_return out;
}

net::awaitable<outcome<inbox_page>> service::inbox(const id& me, page_request p, bool with_latest,
                                                   boost::json::storage_ptr sp) {
    const auto key = keys_.inbox(me);
    const auto start = static_cast<long long>((p.page - 1) * p.per_page);
    redis::request cmds;
    cmds.push("ZCARD", key);
    cmds.push("ZREVRANGE", key, start, start + static_cast<long long>(p.per_page) - 1,
              "WITHSCORES");
    auto r = co_await pipeline(redis_, cmds);
    if (!r)
        co_return r.failure();
    auto& replies = *r;
    inbox_page out;
    out.state = make_state(p, static_cast<std::uint64_t>(replies[0].as_integer().value_or(0)));
    const auto& flat = replies[1].elements;
    for (std::size_t i = 0; i + 1 < flat.size(); i += 2) {
        std::string_view member = flat[i].as_string();
        inbox_entry e;
        if (member.starts_with("user-")) {
            e.type = target::user;
            member.remove_prefix(5);
        } else if (member.starts_with("topic-")) {
            e.type = target::topic;
            member.remove_prefix(6);
        } else {
            continue; // not the seed's: skip rather than fail the whole inbox
        }
        auto cid = id::parse(member);
        if (!cid)
            continue;
        e.chat_id = std::move(*cid);
        // Scores are epoch ms; Redis prints them as doubles ("1464903516342").
        e.score = static_cast<std::int64_t>(
            std::strtod(std::string(flat[i + 1].as_string()).c_str(), nullptr));
        out.entries.push_back(std::move(e));
    }
    if (!with_latest || out.entries.empty())
        co_return out;

    std::vector<std::string> lists;
    lists.reserve(out.entries.size());
    for (const auto& e : out.entries) {
        if (e.type == target::user && e.chat_id == me) {
            lists.push_back(keys_.topic(e.chat_id).list_key + ":none"); // a self-DM cannot exist
            continue;
        }
        lists.push_back(e.type == target::user ? keys_.dm(me, e.chat_id).list_key
                                               : keys_.topic(e.chat_id).list_key);
    }
    std::vector<std::string_view> views(lists.begin(), lists.end());
    auto [ec, latest] = co_await redis_.evalsha(*latest_, views, {});
    if (ec)
        co_return problem{error::store_unavailable, ec.message()};
    if (!latest.is_array())
        co_return problem{error::store_failed, latest.str};
    for (std::size_t i = 0; i < out.entries.size() && i < latest.elements.size(); ++i)
        if (latest.elements[i].type == redis::reply::kind::string &&
            !latest.elements[i].str.empty())
            out.entries[i].latest = parse_stored(latest.elements[i].str, sp);
    co_return out;
}

} // namespace senna::chat

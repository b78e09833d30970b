#include "chat/service.hpp"

#include "chat/scripts.hpp"
#include "redis/connection.hpp"
#include "redis/request.hpp"
#include "redis/script.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>

namespace senna::chat {

namespace json = boost::json;

struct service::script_set {
    redis::script send{scripts::send()};
    redis::script edit{scripts::edit()};
    redis::script remove{scripts::remove()};
    redis::script read{scripts::read()};
    redis::script adopt{scripts::adopt()};
    redis::script view{scripts::view()};
};

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

page_state make_state(page_request p, std::uint64_t total) {
    return {p.page, p.per_page, total,
            std::max<std::uint64_t>(1, (total + p.per_page - 1) / p.per_page)};
}

std::uint64_t as_count(const redis::reply& r) {
    auto v = r.as_integer();
    return v && *v > 0 ? static_cast<std::uint64_t>(*v) : 0;
}

// A sorted-set score as Redis prints it ("42"; scores are integers here).
std::uint64_t as_seq(const redis::reply& r) {
    if (r.type == redis::reply::kind::integer)
        return r.integer > 0 ? static_cast<std::uint64_t>(r.integer) : 0;
    std::string_view s = r.as_string();
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() ? v : 0;
}

std::string number(std::uint64_t n) {
    return std::to_string(n);
}

// Runs a pipeline of reads; any error reply fails the whole.
net::awaitable<outcome<std::vector<redis::reply>>> pipeline(redis::connection& conn,
                                                            const redis::request& req) {
    auto [ec, replies] = co_await conn.exec(req);
    if (ec)
        co_return problem{error::store_unavailable, ec.message()};
    for (const auto& r : replies)
        if (r.is_error())
            co_return problem{error::store_failed, r.str};
    co_return std::move(replies);
}

// Owned script arguments and the views evalsha takes.
class script_args {
public:
    void add(std::string s) { owned_.push_back(std::move(s)); }
    void add(std::string_view s) { owned_.emplace_back(s); }
    void add(const char* s) { owned_.emplace_back(s); }
    void add(std::uint64_t n) { owned_.push_back(number(n)); }
    void add(std::vector<publication>&& pubs) { append_args(std::move(pubs), owned_); }
    std::span<const std::string_view> views() {
        views_.assign(owned_.begin(), owned_.end());
        return views_;
    }

private:
    std::vector<std::string> owned_;
    std::vector<std::string_view> views_;
};

net::awaitable<outcome<redis::reply>> run(redis::connection& conn, const redis::script& s,
                                          script_args& keys, script_args& args) {
    auto k = keys.views();
    auto a = args.views();
    auto [ec, r] = co_await conn.evalsha(s, k, a);
    if (ec)
        co_return problem{error::store_unavailable, ec.message()};
    if (r.is_error())
        co_return problem{error::store_failed, r.str};
    co_return std::move(r);
}

// The ids of the log entries a write's publications made, after its first three replies.
std::vector<std::string> log_ids(const std::vector<redis::reply>& e) {
    std::vector<std::string> out;
    for (std::size_t i = 3; i < e.size(); ++i)
        out.push_back(e[i].str);
    return out;
}

// The keys every write script starts with (scripts.cpp): data, list, seq, rev, seqs, authors,
// read.
script_args write_keys(const chat_ref& chat) {
    script_args k;
    k.add(chat.data_key);
    k.add(chat.list_key);
    k.add(chat.seq_key());
    k.add(chat.rev_key());
    k.add(chat.seqs_key());
    k.add(chat.authors_key());
    k.add(chat.read_key());
    return k;
}

void add_dm_pair(script_args& a, const chat_ref& chat) {
    auto [lo, hi] = chat.dm_pair();
    a.add(lo);
    a.add(hi);
}

// 1-64 characters of [A-Za-z0-9_-], as ids (SPEC §2).
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

// "user-2" / "topic-7" of an inbox; nullopt for anything else.
std::optional<inbox_entry> inbox_member(std::string_view member) {
    inbox_entry e;
    if (member.starts_with("user-")) {
        member.remove_prefix(5);
    } else if (member.starts_with("topic-")) {
        e.type = target::topic;
        member.remove_prefix(6);
    } else {
        return std::nullopt;
    }
    auto cid = id::parse(member);
    if (!cid)
        return std::nullopt;
    e.chat_id = std::move(*cid);
    return e;
}

// Messages from HMGET's replies with their seqs, skipping ids whose data is gone.
void collect(const redis::reply& values, const std::vector<std::uint64_t>& seqs,
             std::vector<message>& out, const json::storage_ptr& sp) {
    out.reserve(values.elements.size());
    for (std::size_t i = 0; i < values.elements.size(); ++i) {
        const auto& v = values.elements[i];
        if (v.type != redis::reply::kind::string)
            continue;
        if (auto m = parse_stored(v.str, sp)) {
            m->seq = i < seqs.size() ? seqs[i] : 0;
            out.push_back(std::move(*m));
        }
    }
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
    script_args k;
    k.add(chat.list_key);
    k.add(chat.data_key);
    k.add(chat.seq_key());
    k.add(chat.seqs_key());
    k.add(chat.authors_key());
    k.add(chat.read_key());
    script_args a;
    add_dm_pair(a, chat);
    a.add(force ? "1" : "0");
    auto r = co_await run(redis_, scripts_->adopt, k, a);
    if (!r)
        co_return r.failure();
    co_return std::nullopt;
}

net::awaitable<outcome<change>> service::send(const id& me, const chat_ref& chat,
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
    message m = make_message(util::uuid_v4(), me, now, type, *content);
    if (!client_msg_id.empty())
        m.json.emplace("client_msg_id", client_msg_id);
    const std::string mid(m.id());
    const bool dm = chat.type == target::user;

    // One script: the message, its seq, its place in the chat, the sender's activity, both
    // inboxes, the client_msg_id record and the publications, or nothing (scripts.cpp).
    script_args k = write_keys(chat);
    k.add(keys_.activity(me));
    k.add(keys_.inbox(me));
    if (dm)
        k.add(keys_.inbox(chat.other));
    if (!client_msg_id.empty())
        k.add(chat.client_msg_key(me, client_msg_id));
    script_args a;
    a.add(dm ? "1" : "0");
    a.add(client_msg_id.empty() ? "0" : "1");
    a.add(mid);
    a.add(serialize(m));
    a.add(util::iso8601(now));
    a.add(std::to_string(now));
    a.add(chat.inbox_member);
    a.add(dm ? "user-" + me.text : std::string());
    a.add(me.text);
    a.add(std::uint64_t(client_msg_id_ttl_seconds));
    add_dm_pair(a, chat);
    a.add(also ? also(m) : std::vector<publication>{});
    auto r = co_await run(redis_, scripts_->send, k, a);
    if (!r)
        co_return r.failure();
    const auto& e = r->elements;
    if (e.size() < 3)
        co_return problem{error::store_failed, "unexpected reply to a send"};
    change out;
    if (as_count(e[0]) == 1) {
        // Seen before: the message stored then, exactly.
        auto stored = parse_stored(e[2].as_string());
        if (!stored)
            co_return problem{error::store_failed, "unreadable client_msg_id record"};
        out.msg = std::move(*stored);
        out.msg.seq = as_count(e[1]);
        out.duplicate = true;
        co_return out;
    }
    out.msg = std::move(m);
    out.msg.seq = as_count(e[1]);
    out.rev = as_count(e[2]);
    out.offsets = log_ids(e);
    co_return out;
}

net::awaitable<outcome<change>> service::update(const id& me, const chat_ref& chat,
                                                std::string message_id, const json::object& body,
                                                const with_write& also) {
    if (message_id.empty() || message_id.size() > 256)
        co_return problem{error::not_found, {}};
    for (int attempt = 0; attempt < max_update_attempts; ++attempt) {
        redis::request get;
        get.push("HGET", chat.data_key, message_id);
        auto replies = co_await pipeline(redis_, get);
        if (!replies)
            co_return replies.failure();
        const std::string raw = (*replies)[0].str;
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
        script_args k = write_keys(chat);
        script_args a;
        a.add(message_id);
        a.add(raw);
        a.add(serialize(next));
        add_dm_pair(a, chat);
        a.add(also ? also(next) : std::vector<publication>{});
        auto r = co_await run(redis_, scripts_->edit, k, a);
        if (!r)
            co_return r.failure();
        const auto& e = r->elements;
        if (!e.empty() && as_count(e[0]) == 1 && e.size() >= 3) {
            change out;
            out.msg = std::move(next);
            out.msg.seq = as_count(e[1]);
            out.rev = as_count(e[2]);
            out.offsets = log_ids(e);
            co_return out;
        }
        // Someone else changed the message meanwhile: recompute from the new version.
    }
    co_return problem{error::conflict, {}};
}

net::awaitable<outcome<change>> service::remove(const id& me, const chat_ref& chat,
                                                std::string message_id, const with_write& also) {
    if (message_id.empty() || message_id.size() > 256)
        co_return problem{error::not_found, {}};
    redis::request get;
    get.push("HGET", chat.data_key, message_id);
    auto replies = co_await pipeline(redis_, get);
    if (!replies)
        co_return replies.failure();
    auto current = (*replies)[0].type == redis::reply::kind::string
                       ? parse_stored((*replies)[0].str)
                       : std::nullopt;
    if (!current)
        co_return problem{error::not_found, {}};
    auto author = current->author();
    if (!author || !(*author == me))
        co_return problem{error::forbidden_delete, {}};
    script_args k = write_keys(chat);
    script_args a;
    a.add(message_id);
    a.add(author->text);
    add_dm_pair(a, chat);
    a.add(also ? also(*current) : std::vector<publication>{});
    auto r = co_await run(redis_, scripts_->remove, k, a);
    if (!r)
        co_return r.failure();
    const auto& e = r->elements;
    if (e.empty() || as_count(e[0]) != 1 || e.size() < 3)
        co_return problem{error::not_found, {}}; // deleted meanwhile
    change out;
    out.msg = std::move(*current);
    out.msg.seq = as_count(e[1]);
    out.rev = as_count(e[2]);
    out.offsets = log_ids(e);
    co_return out;
}

net::awaitable<outcome<read_state>> service::read(const id& me, const chat_ref& chat,
                                                  std::optional<std::uint64_t> seq) {
    script_args k;
    k.add(chat.list_key);
    k.add(chat.data_key);
    k.add(chat.seq_key());
    k.add(chat.seqs_key());
    k.add(chat.authors_key());
    k.add(chat.read_key());
    script_args a;
    a.add(me.text);
    a.add(seq ? number(*seq) : std::string());
    add_dm_pair(a, chat);
    auto r = co_await run(redis_, scripts_->read, k, a);
    if (!r)
        co_return r.failure();
    const auto& e = r->elements;
    if (e.size() < 4)
        co_return problem{error::store_failed, "unexpected reply to a read"};
    co_return read_state{as_count(e[0]), as_count(e[1]), as_count(e[3]), as_count(e[2]) == 1};
}

net::awaitable<outcome<std::vector<std::pair<std::string, std::uint64_t>>>>
service::reads(const chat_ref& chat, std::size_t limit) {
    redis::request req;
    req.push("HLEN", chat.read_key());
    auto n = co_await pipeline(redis_, req);
    if (!n)
        co_return n.failure();
    std::vector<std::pair<std::string, std::uint64_t>> out;
    if (as_count((*n)[0]) == 0 || as_count((*n)[0]) > limit)
        co_return out; // none, or too many to list (docs/api.md)
    req.clear();
    req.push("HGETALL", chat.read_key());
    auto all = co_await pipeline(redis_, req);
    if (!all)
        co_return all.failure();
    const auto& flat = (*all)[0].elements;
    for (std::size_t i = 0; i + 1 < flat.size(); i += 2)
        out.emplace_back(std::string(flat[i].as_string()), as_seq(flat[i + 1]));
    std::sort(out.begin(), out.end(),
              [](const auto& x, const auto& y) { return x.second > y.second; });
    co_return out;
}

net::awaitable<outcome<history_page>> service::history(const chat_ref& chat, page_request p,
                                                       boost::json::storage_ptr sp) {
    // Page 1 is the newest `per_page` ids; the list is oldest first, so negative offsets read
    // one page without touching the rest of the chat.
    const auto start = -static_cast<long long>(p.page * p.per_page);
    const auto stop = -static_cast<long long>((p.page - 1) * p.per_page + 1);
    for (int attempt = 0;; ++attempt) {
        redis::request cmds;
        cmds.push("LLEN", chat.list_key);
        cmds.push("LRANGE", chat.list_key, start, stop);
        cmds.push("ZCARD", chat.seqs_key());
        auto r = co_await pipeline(redis_, cmds);
        if (!r)
            co_return r.failure();
        auto& replies = *r;
        if (attempt == 0 && as_count(replies[0]) != as_count(replies[2])) {
            // Messages the seed wrote, not numbered yet. Reads go on if that write is refused
            // (Redis full): such messages then show without a seq.
            co_await adopt(chat);
            continue;
        }
        history_page out;
        out.state = make_state(p, as_count(replies[0]));
        const auto& ids = replies[1].elements;
        if (ids.empty())
            co_return out;
        std::vector<std::string_view> fields;
        fields.reserve(ids.size());
        for (const auto& i : ids)
            fields.push_back(i.as_string());
        redis::request get;
        get.push_range("HMGET", chat.data_key, fields);
        get.push_range("ZMSCORE", chat.seqs_key(), fields);
        auto values = co_await pipeline(redis_, get);
        if (!values)
            co_return values.failure();
        std::vector<std::uint64_t> seqs;
        for (const auto& s : (*values)[1].elements)
            seqs.push_back(as_seq(s));
        if (attempt == 0 && std::find(seqs.begin(), seqs.end(), 0) != seqs.end()) {
            co_await adopt(chat, true); // an id the counts did not give away
            continue;
        }
        collect((*values)[0], seqs, out.messages, sp);
        co_return out;
    }
}

net::awaitable<outcome<cursor_page>> service::history(const chat_ref& chat, cursor_request p,
                                                      boost::json::storage_ptr sp) {
    using dir = cursor_request::direction;
    const std::string seqs_key = chat.seqs_key();
    const std::string at = number(p.at);
    const std::string open_at = "(" + at;
    const auto wide = static_cast<long long>(p.limit + 1);
    for (int attempt = 0;; ++attempt) {
        redis::request cmds;
        cmds.push("LLEN", chat.list_key);
        cmds.push("ZCARD", seqs_key);
        // [2]: older than `at` (newest first), [3]: newer (oldest first; from `at` on for around),
        // [4]: the newest id, to check it has a seq
        if (p.dir == dir::after)
            cmds.push("ZCOUNT", seqs_key, "-inf", at); // only whether anything is older
        else
            cmds.push("ZREVRANGEBYSCORE", seqs_key, open_at, "-inf", "WITHSCORES", "LIMIT", 0LL,
                      wide);
        if (p.dir == dir::before)
            cmds.push("ZCOUNT", seqs_key, at, "+inf"); // only whether anything is newer
        else
            cmds.push("ZRANGEBYSCORE", seqs_key, p.dir == dir::after ? open_at : at, "+inf",
                      "WITHSCORES", "LIMIT", 0LL, wide);
        cmds.push("LINDEX", chat.list_key, -1LL);
        auto r = co_await pipeline(redis_, cmds);
        if (!r)
            co_return r.failure();
        auto& replies = *r;
        if (attempt == 0 && as_count(replies[0]) != as_count(replies[1])) {
            co_await adopt(chat); // as in the offset history
            continue;
        }
        // (id, seq) pairs of each side.
        auto pairs = [](const redis::reply& flat) {
            std::vector<std::pair<std::string_view, std::uint64_t>> v;
            for (std::size_t i = 0; i + 1 < flat.elements.size(); i += 2)
                v.emplace_back(flat.elements[i].as_string(), as_seq(flat.elements[i + 1]));
            return v;
        };
        std::vector<std::pair<std::string_view, std::uint64_t>> older, newer;
        if (p.dir != dir::after)
            older = pairs(replies[2]);
        if (p.dir != dir::before)
            newer = pairs(replies[3]);
        const std::size_t limit = p.limit;
        std::size_t take_older = 0, take_newer = 0;
        bool more_older = false, more_newer = false;
        switch (p.dir) {
        case dir::before:
            take_older = std::min(older.size(), limit);
            more_older = older.size() > limit;
            more_newer = as_count(replies[3]) > 0;
            break;
        case dir::after:
            take_newer = std::min(newer.size(), limit);
            more_newer = newer.size() > limit;
            more_older = as_count(replies[2]) > 0;
            break;
        case dir::around: {
            // The message at `at` (or the first after it) with the older half before it.
            take_older = std::min(older.size(), (limit - 1) / 2);
            take_newer = std::min(newer.size(), limit - take_older);
            take_older = std::min(older.size(), limit - take_newer);
            more_older = older.size() > take_older;
            more_newer = newer.size() > take_newer;
            break;
        }
        }
        std::vector<std::string_view> fields;
        std::vector<std::uint64_t> seqs;
        for (std::size_t i = take_older; i-- > 0;) {
            fields.push_back(older[i].first);
            seqs.push_back(older[i].second);
        }
        for (std::size_t i = 0; i < take_newer; ++i) {
            fields.push_back(newer[i].first);
            seqs.push_back(newer[i].second);
        }
        cursor_page out;
        out.state.limit = p.limit;
        out.state.total = as_count(replies[1]);
        out.state.has_more = p.dir == dir::before  ? more_older
                             : p.dir == dir::after ? more_newer
                                                   : more_older || more_newer;
        // Cursors from the page's ends; from `at` itself when the page is empty.
        const std::uint64_t lo =
            seqs.empty() ? (p.dir == dir::after ? p.at + 1 : p.at) : seqs.front();
        const std::uint64_t hi =
            seqs.empty() ? (p.dir == dir::before ? p.at - 1 : p.at) : seqs.back();
        if (more_older)
            out.state.prev = lo;
        if (more_newer)
            out.state.next = hi;
        redis::request get;
        get.push("ZSCORE", seqs_key, replies[4].as_string());
        if (!fields.empty())
            get.push_range("HMGET", chat.data_key, fields);
        auto values = co_await pipeline(redis_, get);
        if (!values)
            co_return values.failure();
        if (attempt == 0 && !replies[4].is_nil() && (*values)[0].is_nil()) {
            co_await adopt(chat, true); // the seed appended since
            continue;
        }
        if (!fields.empty())
            collect((*values)[1], seqs, out.messages, sp);
        co_return out;
    }
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
    out.state = make_state(p, as_count(replies[0]));
    const auto& flat = replies[1].elements;
    for (std::size_t i = 0; i + 1 < flat.size(); i += 2) {
        auto e = inbox_member(flat[i].as_string());
        if (!e)
            continue; // not the seed's: skip rather than fail the whole inbox
        // Scores are epoch ms; Redis prints them as doubles ("1464903516342").
        e->score = static_cast<std::int64_t>(
            std::strtod(std::string(flat[i + 1].as_string()).c_str(), nullptr));
        out.entries.push_back(std::move(*e));
    }
    if (!with_latest || out.entries.empty())
        co_return out;
    if (auto failed = co_await view(me, out.entries, true, sp))
        co_return *failed;
    co_return out;
}

net::awaitable<std::optional<problem>> service::view(const id& me,
                                                     std::vector<inbox_entry>& entries,
                                                     bool with_latest, json::storage_ptr sp) {
    std::vector<std::optional<chat_ref>> chats;
    chats.reserve(entries.size());
    for (const auto& e : entries)
        chats.push_back(chat_of(me, e.type, e.chat_id));
    for (int attempt = 0;; ++attempt) {
        script_args k;
        for (const auto& c : chats) {
            // A self-DM cannot exist: keys that hold nothing.
            const chat_ref none = keys_.topic(me);
            const chat_ref& ref = c ? *c : none;
            const std::string suffix = c ? std::string() : ":none";
            k.add(ref.list_key + suffix);
            k.add(ref.data_key + suffix);
            k.add(ref.seq_key() + suffix);
            k.add(ref.seqs_key() + suffix);
            k.add(ref.authors_key() + suffix);
            k.add(ref.read_key() + suffix);
        }
        script_args a;
        a.add(me.text);
        a.add(with_latest ? "1" : "0");
        auto r = co_await run(redis_, scripts_->view, k, a);
        if (!r)
            co_return r.failure();
        const auto& e = r->elements;
        if (e.size() != 5 * entries.size())
            co_return problem{error::store_failed, "unexpected reply to an inbox view"};
        bool stale = false;
        for (std::size_t i = 0; i < entries.size(); ++i) {
            if (as_count(e[5 * i + 4]) == 1 && attempt == 0 && chats[i]) {
                stale = true;
                co_await adopt(*chats[i]); // refused when Redis is full: shown as it is
            }
        }
        if (stale)
            continue;
        for (std::size_t i = 0; i < entries.size(); ++i) {
            auto& entry = entries[i];
            const auto raw = e[5 * i].as_string();
            if (with_latest && !raw.empty()) {
                entry.latest = parse_stored(raw, sp);
                if (entry.latest)
                    entry.latest->seq = as_count(e[5 * i + 1]);
            }
            entry.read_seq = as_count(e[5 * i + 2]);
            entry.unread = as_count(e[5 * i + 3]);
        }
        co_return std::nullopt;
    }
}

net::awaitable<outcome<unread_summary>> service::unread(const id& me) {
    redis::request cmds;
    cmds.push("ZREVRANGE", keys_.inbox(me), 0LL, static_cast<long long>(unread_chats_limit) - 1);
    auto r = co_await pipeline(redis_, cmds);
    if (!r)
        co_return r.failure();
    std::vector<inbox_entry> entries;
    for (const auto& m : (*r)[0].elements)
        if (auto e = inbox_member(m.as_string()))
            entries.push_back(std::move(*e));
    unread_summary out;
    if (entries.empty())
        co_return out;
    if (auto failed = co_await view(me, entries, false, {}))
        co_return *failed;
    for (auto& e : entries) {
        if (e.unread == 0)
            continue;
        out.total += e.unread;
        out.chats.push_back({e.type, std::move(e.chat_id), e.unread, e.read_seq});
    }
    co_return out;
}

} // namespace senna::chat

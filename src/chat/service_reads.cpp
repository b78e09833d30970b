// chat::service's reads: history pages (by page number and by cursor), the inbox, unread counts
// and read cursors. Plain pipelines, or the read-only view script: no MULTI and no write, so they
// keep working while Redis refuses writes (docs/limits.md); they number seed data first where
// they meet some (scripts::adopt), which is a write and may then be refused.
#include "chat/service.hpp"
#include "chat/service_detail.hpp"
#include "redis/connection.hpp"
#include "redis/request.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace senna::chat {

namespace json = boost::json;
using namespace detail;

namespace {
// What "%016llu" writes: the number with leading zeros to 16 digits (the authors index's form).
void append_seq16(std::string& out, std::uint64_t v) {
    char buf[24];
    const auto len = static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, v).ptr - buf);
    if (len < 16)
        out.append(16 - len, '0');
    out.append(buf, len);
}
} // namespace

net::awaitable<outcome<std::vector<std::pair<std::string, std::uint64_t>>>>
service::reads(const chat_ref& chat, std::size_t limit) {
    redis::request req;
    req.push("HLEN", chat.read_key());
    auto n = co_await pipeline(redis_, req);
    if (!n)
        co_return n.failure();
    std::vector<std::pair<std::string, std::uint64_t>> out;
    // The hash also holds the chat's head (":id", ":seq", ":len": ADR 0017), which no reader's
    // id can be (an id holds no ':').
    constexpr std::size_t head_fields = 3;
    if (as_count((*n)[0]) == 0 || as_count((*n)[0]) > limit + head_fields)
        co_return out; // none, or too many to list (docs/api.md)
    req.clear();
    req.push("HGETALL", chat.read_key());
    auto all = co_await pipeline(redis_, req);
    if (!all)
        co_return all.failure();
    const auto& flat = (*all)[0].elements;
    for (std::size_t i = 0; i + 1 < flat.size(); i += 2)
        if (!flat[i].as_string().starts_with(':'))
            out.emplace_back(std::string(flat[i].as_string()), as_seq(flat[i + 1]));
    if (out.size() > limit)
        out.clear();
    std::sort(out.begin(), out.end(),
              [](const auto& x, const auto& y) { return x.second > y.second; });
    co_return out;
}

net::awaitable<outcome<history_page>> service::history(const chat_ref& chat, page_request p,
                                                       boost::json::storage_ptr sp, bool as_text) {
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
        if (as_text)
            collect_text((*values)[0], seqs, out.texts);
        else
            collect((*values)[0], seqs, out.messages, sp);
        co_return out;
    }
}

net::awaitable<outcome<cursor_page>> service::history(const chat_ref& chat, cursor_request p,
                                                      boost::json::storage_ptr sp, bool as_text) {
    using dir = cursor_request::direction;
    const std::string seqs_key = chat.seqs_key();
    const std::string at = std::to_string(p.at);
    const std::string open_at = "(" + at;
    const auto wide = static_cast<long long>(p.limit) + 1;
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
        if (fields.empty())
            co_return out;
        if (as_text)
            collect_text((*values)[1], seqs, out.texts);
        else
            collect((*values)[1], seqs, out.messages, sp);
        co_return out;
    }
}

net::awaitable<outcome<inbox_page>> service::inbox(const id& me, page_request p, bool with_latest,
                                                   boost::json::storage_ptr sp, bool as_text) {
    const auto key = keys_.inbox(me);
    const auto start = static_cast<long long>(p.page - 1) * static_cast<long long>(p.per_page);
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
        const auto score = flat[i + 1].as_string();
        double ms = 0;
        std::from_chars(score.data(), score.data() + score.size(), ms);
        e->score = static_cast<std::int64_t>(ms);
        out.entries.push_back(std::move(*e));
    }
    if (!with_latest || out.entries.empty())
        co_return out;
    if (auto failed = co_await view(me, out.entries, true, sp, as_text))
        co_return *failed;
    co_return out;
}

net::awaitable<std::optional<problem>> service::view(const id& me,
                                                     std::vector<inbox_entry>& entries,
                                                     bool with_latest, json::storage_ptr sp,
                                                     bool as_text) {
    // Pipelines of single-key commands, not a script: two round trips however many chats, each
    // command in one chat's slot (a cluster client splits the pipeline by slot), and no Lua
    // (a redis.call costs Redis several times a pipelined command: bench/RESULTS.md, "Inbox
    // page"). First each chat's newest id and length, and from its read hash the reader's
    // cursor with the chat's head (ADR 0017: the newest id, its seq and the length the writes
    // left); then the newest message and, where its seq is past the cursor, the counts. A head
    // that does not match the list (the seed wrote since, or no senna write since the head
    // existed) numbers the chat first; when that write is refused (Redis full), the chat is
    // shown from its list as it is, without unread. Each chat's list key only (its other keys
    // are it plus a suffix, in both layouts); the commands' keys are written through one
    // scratch string, and the counts' bounds into buffers.
    std::vector<std::string> lists(entries.size()); // empty: no chat (a self-DM cannot exist)
    for (std::size_t i = 0; i < entries.size(); ++i)
        if (entries[i].type == target::topic || entries[i].chat_id != me)
            lists[i] = keys_.list(entries[i].type, me, entries[i].chat_id);
    std::string key;
    auto with = [&key](const std::string& list, std::string_view suffix) -> const std::string& {
        key.assign(list).append(suffix);
        return key;
    };
    // ZLEXCOUNT's bounds: "[<me>:<cursor+1, 16 digits>" and "[<me>:9999999999999999".
    std::string lex_from = "[" + me.text + ":", lex_to = "[" + me.text + ":9999999999999999";
    const std::size_t lex_at = lex_from.size();
    for (int attempt = 0;; ++attempt) {
        redis::request first;
        first.reserve(lists.size() * 256); // three commands of about 80 bytes a chat
        for (const auto& l : lists) {
            if (l.empty())
                continue;
            first.push("LINDEX", l, -1LL);
            first.push("LLEN", l);
            first.push("HMGET", with(l, ":read"), me.text, ":id", ":seq", ":len");
        }
        auto state = co_await pipeline(redis_, first);
        if (!state)
            co_return state.failure();
        struct seen {
            std::string_view newest; // its id, empty: none
            std::uint64_t cursor = 0, seq = 0;
            bool stale = false;
        };
        std::vector<seen> views(lists.size());
        bool any_stale = false;
        for (std::size_t i = 0, at = 0; i < lists.size(); ++i) {
            if (lists[i].empty())
                continue;
            const auto* r = &(*state)[3 * at++];
            auto& v = views[i];
            if (r[0].type == redis::reply::kind::string)
                v.newest = r[0].as_string();
            const auto& head = r[2].elements;
            v.cursor = head.size() == 4 ? as_count(head[0]) : 0;
            if (v.newest.empty())
                continue; // an empty chat: nothing to show or count
            v.stale = head.size() != 4 || head[1].type != redis::reply::kind::string ||
                      head[1].as_string() != v.newest || as_count(head[3]) != as_count(r[1]);
            if (!v.stale)
                v.seq = as_seq(head[2]);
            any_stale = any_stale || v.stale;
        }
        if (any_stale && attempt == 0) {
            for (std::size_t i = 0; i < lists.size(); ++i)
                if (views[i].stale)
                    if (auto c = chat_of(me, entries[i].type, entries[i].chat_id))
                        co_await adopt(*c); // refused when Redis is full: shown as it is
            continue;
        }
        redis::request second;
        second.reserve(lists.size() * 256);
        for (std::size_t i = 0; i < lists.size(); ++i) {
            const auto& v = views[i];
            if (lists[i].empty() || v.newest.empty())
                continue;
            if (with_latest)
                second.push("HGET", with(lists[i], ":data"), v.newest);
            if (v.stale) {
                second.push("ZSCORE", with(lists[i], ":seqs"), v.newest);
            } else if (v.seq > v.cursor) {
                char from[24];
                from[0] = '(';
                const auto end = std::to_chars(from + 1, from + sizeof from, v.cursor).ptr;
                second.push("ZCOUNT", with(lists[i], ":seqs"), std::string_view(from, end), "+inf");
                lex_from.resize(lex_at);
                append_seq16(lex_from, v.cursor + 1);
                second.push("ZLEXCOUNT", with(lists[i], ":authors"), lex_from, lex_to);
            }
        }
        outcome<redis::replies> latest{redis::replies{}};
        if (!second.empty()) {
            latest = co_await pipeline(redis_, second);
            if (!latest)
                co_return latest.failure();
        }
        // Read the second replies in the order they were asked for.
        std::size_t at = 0;
        for (std::size_t i = 0; i < lists.size(); ++i) {
            auto& v = views[i];
            auto& entry = entries[i];
            std::string_view raw;
            std::uint64_t all = 0, own = 0;
            if (!lists[i].empty() && !v.newest.empty()) {
                if (with_latest)
                    raw = (*latest)[at++].as_string();
                if (v.stale) {
                    v.seq = as_seq((*latest)[at++]);
                } else if (v.seq > v.cursor) {
                    all = as_count((*latest)[at++]);
                    own = as_count((*latest)[at++]);
                }
            }
            if (with_latest && !raw.empty() && as_text) {
                entry.latest_text = stored_text{std::string(raw), v.seq};
            } else if (with_latest && !raw.empty()) {
                entry.latest = parse_stored(raw, sp);
                if (entry.latest)
                    entry.latest->seq = v.seq;
            }
            entry.read_seq = v.cursor;
            entry.unread = !v.stale && v.seq > v.cursor && all > own ? all - own : 0;
        }
        co_return std::nullopt;
    }
}

net::awaitable<outcome<unread_summary>> service::unread(const id& me) {
    // Plain commands, not the view script: a Lua redis.call costs Redis several times a
    // pipelined command, and an inbox holds up to unread_chats_limit chats. One pipeline reads
    // every chat's cursor and last seq; a second counts only where the last seq is past the
    // cursor (docs/api.md).
    redis::request cmds;
    cmds.push("ZREVRANGE", keys_.inbox(me), 0LL, static_cast<long long>(unread_chats_limit) - 1);
    auto r = co_await pipeline(redis_, cmds);
    if (!r)
        co_return r.failure();
    std::vector<unread_entry> chats;
    std::vector<std::string> lists;
    for (const auto& m : (*r)[0].elements) {
        auto e = inbox_member(m.as_string());
        if (!e || (e->type == target::user && e->chat_id == me))
            continue; // not the seed's, or a self-DM (none can exist)
        lists.push_back(keys_.list(e->type, me, e->chat_id));
        chats.push_back({e->type, std::move(e->chat_id), 0, 0});
    }
    unread_summary out;
    for (int attempt = 0; !chats.empty(); ++attempt) {
        cmds.clear();
        for (const auto& l : lists) {
            cmds.push("HGET", l + ":read", me.text);
            cmds.push("GET", l + ":seq");
        }
        auto state = co_await pipeline(redis_, cmds);
        if (!state)
            co_return state.failure();
        std::vector<std::size_t> counted, never;
        for (std::size_t i = 0; i < chats.size(); ++i) {
            chats[i].read_seq = as_count((*state)[2 * i]);
            const auto& last = (*state)[2 * i + 1];
            if (last.is_nil())
                never.push_back(i); // no seq yet: seed data, or an empty chat
            else if (as_count(last) > chats[i].read_seq)
                counted.push_back(i);
        }
        if (attempt == 0 && !never.empty()) {
            cmds.clear();
            for (std::size_t i : never)
                cmds.push("LLEN", lists[i]);
            auto lengths = co_await pipeline(redis_, cmds);
            if (!lengths)
                co_return lengths.failure();
            bool adopted = false;
            for (std::size_t k = 0; k < never.size(); ++k) {
                if (as_count((*lengths)[k]) == 0)
                    continue;
                const auto& c = chats[never[k]];
                if (auto ref = chat_of(me, c.type, c.chat_id)) {
                    co_await adopt(*ref); // refused when Redis is full: counted as nothing
                    adopted = true;
                }
            }
            if (adopted)
                continue;
        }
        cmds.clear();
        for (std::size_t i : counted) {
            const auto cur = chats[i].read_seq;
            char from[24];
            std::snprintf(from, sizeof from, ":%016llu", static_cast<unsigned long long>(cur) + 1);
            char after[24]; // "(<cur>": not "(" + to_string, which GCC 12 -O2 calls -Wrestrict
            std::snprintf(after, sizeof after, "(%llu", static_cast<unsigned long long>(cur));
            cmds.push("ZCOUNT", lists[i] + ":seqs", std::string_view(after), "+inf");
            cmds.push("ZLEXCOUNT", lists[i] + ":authors", "[" + me.text + from,
                      "[" + me.text + ":9999999999999999");
        }
        if (!counted.empty()) {
            auto counts = co_await pipeline(redis_, cmds);
            if (!counts)
                co_return counts.failure();
            for (std::size_t k = 0; k < counted.size(); ++k) {
                const auto all = as_count((*counts)[2 * k]), own = as_count((*counts)[2 * k + 1]);
                chats[counted[k]].unread = all > own ? all - own : 0;
            }
        }
        break;
    }
    for (auto& c : chats) {
        if (c.unread == 0)
            continue;
        out.total += c.unread;
        out.chats.push_back(std::move(c));
    }
    co_return out;
}

} // namespace senna::chat

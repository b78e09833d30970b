#include "chat/service_detail.hpp"

#include "chat/rooms.hpp"
#include "chat/scripts.hpp"
#include "redis/connection.hpp"
#include "redis/request.hpp"

#include <algorithm>
#include <charconv>

namespace senna::chat {

service::script_set::script_set()
    : send(scripts::send()), edit(scripts::edit()), remove(scripts::remove()),
      read(scripts::read()), adopt(scripts::adopt()), members(scripts::members()),
      publish_after(scripts::publish_after()) {}

namespace detail {

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

// Runs a pipeline of reads; any error reply fails the whole.
net::awaitable<outcome<redis::replies>> pipeline(redis::connection& conn,
                                                 const redis::request& req) {
    auto [ec, replies] = co_await conn.exec(req);
    if (ec)
        co_return problem{error::store_unavailable, ec.message()};
    for (const auto& r : replies)
        if (r.is_error())
            co_return problem{error::store_failed, std::string(r.as_string())};
    co_return std::move(replies);
}

net::awaitable<outcome<redis::replies>> run(redis::connection& conn, const redis::script& s,
                                            script_args& keys, script_args& args) {
    auto k = keys.views();
    auto a = args.views();
    auto [ec, r] = co_await conn.evalsha(s, k, a);
    if (ec)
        co_return problem{error::store_unavailable, ec.message()};
    if (r.front().is_error())
        co_return problem{error::store_failed, std::string(r.front().as_string())};
    co_return std::move(r);
}

// The keys of the adopt and read scripts (scripts.cpp): list, data, seq, seqs, authors, read.
script_args log_keys(const chat_ref& chat) {
    script_args k;
    k.add(chat.list_key);
    k.add(chat.data_key);
    k.add(chat.seq_key());
    k.add(chat.seqs_key());
    k.add(chat.authors_key());
    k.add(chat.read_key());
    return k;
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

net::awaitable<outcome<std::vector<std::string>>>
offline_of(redis::connection& conn, const std::optional<offline_notice>& n) {
    std::vector<std::string> out;
    if (!n || n->recipients.empty())
        co_return out;
    redis::request req;
    for (const auto& r : n->recipients)
        req.push("HKEYS", r.presence_key);
    auto fields = co_await pipeline(conn, req);
    if (!fields)
        co_return fields.failure();
    // Each recipient's instances, then whether each instance's heartbeat is there.
    std::vector<std::string_view> instances;
    for (const auto& f : *fields)
        for (const auto& i : f.elements)
            instances.push_back(i.as_string());
    std::sort(instances.begin(), instances.end());
    instances.erase(std::unique(instances.begin(), instances.end()), instances.end());
    std::vector<std::string_view> live;
    if (!instances.empty()) {
        req.clear();
        for (auto i : instances)
            req.push("EXISTS", n->instance_prefix + std::string(i));
        auto exists = co_await pipeline(conn, req);
        if (!exists)
            co_return exists.failure();
        for (std::size_t i = 0; i < instances.size(); ++i)
            if (as_count((*exists)[i]) == 1)
                live.push_back(instances[i]);
    }
    for (std::size_t r = 0; r < n->recipients.size(); ++r) {
        const auto& mine = (*fields)[r].elements;
        const bool connected = std::any_of(mine.begin(), mine.end(), [&](const redis::reply& f) {
            return std::binary_search(live.begin(), live.end(), f.as_string());
        });
        if (!connected)
            out.push_back(n->recipients[r].user);
    }
    co_return out;
}

net::awaitable<outcome<write_extras>> prepare_extras(redis::connection& conn, bool split,
                                                     std::optional<offline_notice> notice) {
    write_extras x{split, {}, std::move(notice), {}};
    auto offline = co_await offline_of(conn, x.notice);
    if (!offline)
        co_return offline.failure();
    x.offline = std::move(*offline);
    co_return x;
}

// The notice section (scripts.cpp, notify): its ARGV, and the stream among the KEYS.
void write_extras::add_to(script_args& k, script_args& a) {
    if (split) {
        a.add(publishing{}, k); // after the script, from x.after
    } else {
        a.add(std::move(pubs), k);
        pubs = {};
    }
    if (split || !notice || offline.empty()) {
        a.add("0");
        return;
    }
    a.add(static_cast<std::uint64_t>(offline.size()));
    a.add(static_cast<std::uint64_t>(k.size() + 1));
    a.add(notice->event);
    a.add(notice->data);
    k.add(notice->stream);
    for (const auto& u : offline)
        a.add(u);
}

net::awaitable<std::optional<problem>> write_extras::after(redis::connection& conn,
                                                           const redis::script& publish_after,
                                                           change& out, bool with_rev) {
    if (!split)
        co_return std::nullopt;
    out.offsets.clear();
    if (!pubs.publications.empty()) {
        script_args k;
        script_args a;
        a.add(out.msg.seq);
        a.add(with_rev ? out.rev : 0);
        a.add(std::move(pubs), k);
        auto r = co_await run(conn, publish_after, k, a);
        if (!r)
            co_return r.failure();
        for (const auto& e : r->front().elements)
            out.offsets.emplace_back(e.as_string());
    }
    if (notice && !offline.empty()) {
        redis::request req;
        const std::string s = std::to_string(out.msg.seq), rv = std::to_string(out.rev);
        for (const auto& u : offline) {
            if (with_rev)
                req.push("XADD", notice->stream, "*", "event", notice->event, "user", u, "data",
                         notice->data, "seq", s, "rev", rv);
            else
                req.push("XADD", notice->stream, "*", "event", notice->event, "user", u, "data",
                         notice->data, "seq", s);
        }
        auto r = co_await pipeline(conn, req);
        if (!r)
            co_return r.failure();
    }
    co_return std::nullopt;
}

std::optional<inbox_entry> inbox_member(std::string_view member) {
    inbox_entry e;
    if (member.starts_with(user_room_prefix)) {
        member.remove_prefix(user_room_prefix.size());
    } else if (member.starts_with(topic_room_prefix)) {
        e.type = target::topic;
        member.remove_prefix(topic_room_prefix.size());
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
             std::vector<message>& out, const boost::json::storage_ptr& sp) {
    out.reserve(values.elements.size());
    for (std::size_t i = 0; i < values.elements.size(); ++i) {
        const auto& v = values.elements[i];
        if (v.type != redis::reply::kind::string)
            continue;
        if (auto m = parse_stored(v.as_string(), sp)) {
            m->seq = i < seqs.size() ? seqs[i] : 0;
            out.push_back(std::move(*m));
        }
    }
}

void collect_text(const redis::reply& values, const std::vector<std::uint64_t>& seqs,
                  std::vector<stored_text>& out) {
    out.reserve(values.elements.size());
    for (std::size_t i = 0; i < values.elements.size(); ++i) {
        const auto& v = values.elements[i];
        if (v.type == redis::reply::kind::string)
            out.push_back({std::string(v.as_string()), i < seqs.size() ? seqs[i] : 0});
    }
}

void script_args::add(publishing&& pubs, script_args& keys) {
    append_args(std::move(pubs), keys.owned_, owned_);
}

net::awaitable<outcome<redis::replies>> run_write(redis::connection& conn, const redis::script& s,
                                                  script_args& k, script_args& a,
                                                  const service::with_write& also, const message& m,
                                                  write_extras& x, std::size_t stored_at) {
    const std::size_t nk = k.size(), na = a.size();
    for (bool heard = x.split;; heard = true) {
        const std::string_view stored =
            stored_at < a.size() ? std::string_view(a.at(stored_at)) : std::string_view();
        x.pubs = also ? also(m, stored, heard) : publishing{};
        x.add_to(k, a);
        auto r = co_await run(conn, s, k, a);
        const bool refused =
            r && r->front().elements.size() == 1 && as_count(r->front().elements[0]) == 2;
        if (!refused || heard)
            co_return r;
        k.truncate(nk);
        a.truncate(na);
    }
}

std::vector<std::string> log_ids(const redis::reply_range& e) {
    std::vector<std::string> out;
    for (std::size_t i = 3; i < e.size(); ++i)
        out.emplace_back(e[i].as_string());
    return out;
}

} // namespace detail

} // namespace senna::chat

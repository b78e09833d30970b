#include "chat/service_detail.hpp"

#include "chat/rooms.hpp"
#include "chat/scripts.hpp"
#include "redis/connection.hpp"
#include "redis/request.hpp"

#include <charconv>

namespace senna::chat {

service::script_set::script_set()
    : send(scripts::send()), edit(scripts::edit()), remove(scripts::remove()),
      read(scripts::read()), adopt(scripts::adopt()), view(scripts::view()),
      members(scripts::members()) {}

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

void add_notice(script_args& k, script_args& a, const std::optional<offline_notice>& n) {
    if (!n || n->recipients.empty()) {
        a.add("0");
        return;
    }
    a.add(static_cast<std::uint64_t>(n->recipients.size()));
    a.add(static_cast<std::uint64_t>(k.size() + 1));
    a.add(n->event);
    a.add(n->data);
    a.add(n->instance_prefix);
    k.add(n->stream);
    for (const auto& r : n->recipients) {
        a.add(r.user);
        k.add(r.presence_key);
    }
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
        if (auto m = parse_stored(v.str, sp)) {
            m->seq = i < seqs.size() ? seqs[i] : 0;
            out.push_back(std::move(*m));
        }
    }
}

void script_args::add(publishing&& pubs, script_args& keys) {
    append_args(std::move(pubs), keys.owned_, owned_);
}

net::awaitable<outcome<redis::reply>> run_write(redis::connection& conn, const redis::script& s,
                                                script_args& k, script_args& a,
                                                const service::with_write& also, const message& m,
                                                const std::optional<offline_notice>& notice) {
    const std::size_t nk = k.size(), na = a.size();
    for (bool heard = false;; heard = true) {
        a.add(also ? also(m, heard) : publishing{}, k);
        add_notice(k, a, notice);
        auto r = co_await run(conn, s, k, a);
        const bool refused = r && r->elements.size() == 1 && as_count(r->elements[0]) == 2;
        if (!refused || heard)
            co_return r;
        k.truncate(nk);
        a.truncate(na);
    }
}

std::vector<std::string> log_ids(const std::vector<redis::reply>& e) {
    std::vector<std::string> out;
    for (std::size_t i = 3; i < e.size(); ++i)
        out.push_back(e[i].str);
    return out;
}

} // namespace detail

} // namespace senna::chat

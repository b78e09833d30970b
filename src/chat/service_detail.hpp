#pragma once
// What chat::service's two files share (service.cpp: the writes; service_reads.cpp: the reads):
// its Lua scripts, Redis pipelines and script calls as `outcome`s, and reply readers. Internal to
// src/chat.

#include "chat/service.hpp"
#include "redis/reply.hpp"
#include "redis/script.hpp"

#include <boost/json/storage_ptr.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace senna::redis {
class request;
}

namespace senna::chat {

struct service::script_set {
    redis::script send;
    redis::script edit;
    redis::script remove;
    redis::script read;
    redis::script adopt;
    redis::script members;
    redis::script publish_after;
    script_set();
};

namespace detail {

page_state make_state(page_request p, std::uint64_t total);
/** An integer reply (or a decimal string), 0 when absent or negative. */
std::uint64_t as_count(const redis::reply& r);
/** A sorted-set score as Redis prints it ("42"; scores are integers here), 0 when absent. */
std::uint64_t as_seq(const redis::reply& r);

/** Runs a pipeline of reads; any error reply fails the whole. */
net::awaitable<outcome<redis::replies>> pipeline(redis::connection& conn,
                                                 const redis::request& req);

// Owned script arguments and the views evalsha takes.
class script_args {
public:
    // Room for a write's keys or arguments without growing (a send with two publications has
    // about 40 arguments): each growth moves every string.
    script_args() { owned_.reserve(48); }
    void add(std::string s) { owned_.push_back(std::move(s)); }
    void add(std::string_view s) { owned_.emplace_back(s); }
    void add(const char* s) { owned_.emplace_back(s); }
    void add(std::uint64_t n) { owned_.push_back(std::to_string(n)); }
    /** The publications' arguments (chat/publication.hpp's append_args), moved in; their
        logs are appended to `keys` (scripts name every key they touch as KEYS). */
    void add(publishing&& pubs, script_args& keys);
    std::size_t size() const noexcept { return owned_.size(); }
    /** The `i`th argument, moved out (once the script has run). */
    std::string take(std::size_t i) { return std::move(owned_[i]); }
    const std::string& at(std::size_t i) const { return owned_[i]; }
    /** Drops the arguments after the first `n`. */
    void truncate(std::size_t n) { owned_.resize(n); }
    std::span<const std::string_view> views() {
        views_.assign(owned_.begin(), owned_.end());
        return views_;
    }

private:
    std::vector<std::string> owned_;
    std::vector<std::string_view> views_;
};

/** EVALSHA, with a transport failure or an error reply as a problem. */
net::awaitable<outcome<redis::replies>> run(redis::connection& conn, const redis::script& s,
                                            script_args& keys, script_args& args);
/** The keys every write script starts with: data, list, seq, rev, seqs, authors, read. */
script_args write_keys(const chat_ref& chat);
/** The keys of the adopt and read scripts (scripts.cpp): list, data, seq, seqs, authors, read. */
script_args log_keys(const chat_ref& chat);

/** The ids of the log entries a write's publications made, after its first three replies. */
std::vector<std::string> log_ids(const redis::reply_range& e);
/** A DM's two participants in key order (two empty strings for a topic). */
void add_dm_pair(script_args& a, const chat_ref& chat);
/** The recipients of `n` with no live socket anywhere (chat/notice.hpp): read before the write
    (their presence hashes, then the heartbeat keys those name), so that the write's script is
    given every key it touches. Empty without `n`. */
net::awaitable<outcome<std::vector<std::string>>>
offline_of(redis::connection& conn, const std::optional<offline_notice>& n);
/** What a write publishes and notifies besides the chat (a send, an edit, a delete): in the
    seed layout sections of its script, in the cluster layout steps after it
    (docs/adr/0012-cluster-key-layout.md). */
struct write_extras {
    bool split = false; // the cluster layout
    publishing pubs;
    std::optional<offline_notice> notice;
    std::vector<std::string> offline; // the notice's recipients with no live socket

    /** The script's publications and notice sections (empty ones when split). */
    void add_to(script_args& k, script_args& a);
    /** When split, after the script stored `out`: the publications with its seq and rev filled
        in (their log's slot), then the notice's stream entries (the stream's slot); the log
        entries' ids go to out.offsets. */
    net::awaitable<std::optional<problem>>
    after(redis::connection& conn, const redis::script& publish_after, change& out, bool with_rev);
};
/** A write's extras, with the offline recipients read (offline_of); its publications are made
    by run_write. */
net::awaitable<outcome<write_extras>> prepare_extras(redis::connection& conn, bool split,
                                                     std::optional<offline_notice> notice);
/** A write script whose KEYS `k` and ARGV `a` end where its publications
    (`also(m, stored, heard)`, `stored` the argument `a.at(stored_at)`: the message's text as the
    write stores it, or empty when `stored_at` is npos) and then its notice go: adds them
    (x.add_to) and runs it. When it was refused because someone else listens to the adapter's
    channels (publication.hpp's listener_check: it answers {2} and wrote nothing), makes it once
    more with its PUBLISHes (`also(m, stored, true)`). Split (the
    cluster layout), the publications are made with their PUBLISHes at once and kept in `x` for
    x.after. */
net::awaitable<outcome<redis::replies>> run_write(redis::connection& conn, const redis::script& s,
                                                  script_args& k, script_args& a,
                                                  const service::with_write& also, const message& m,
                                                  write_extras& x,
                                                  std::size_t stored_at = std::string::npos);
/** "user-2" / "topic-7" of an inbox; nullopt for anything else. */
std::optional<inbox_entry> inbox_member(std::string_view member);
/** Messages from HMGET's replies with their seqs, skipping ids whose data is gone. */
void collect(const redis::reply& values, const std::vector<std::uint64_t>& seqs,
             std::vector<message>& out, const boost::json::storage_ptr& sp);
/** The same, unparsed: each string reply's text is copied out with its seq. */
void collect_text(const redis::reply& values, const std::vector<std::uint64_t>& seqs,
                  std::vector<stored_text>& out);

} // namespace detail

} // namespace senna::chat

#include "redis/cluster.hpp"

#include "net/spawn.hpp"
#include "redis/cluster_key.hpp"
#include "redis/error.hpp"
#include "redis/request.hpp"
#include "redis/slot.hpp"
#include "util/log.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/bind_executor.hpp>

#include <algorithm>
#include <chrono>

namespace senna::redis::detail {

namespace asio = net::asio;
using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

namespace {

constexpr std::uint16_t none = slot_map::none;
/** Nodes ever seen; beyond this a new address is not linked (a cluster has far fewer). */
constexpr std::size_t max_nodes = 1024;
/** MOVED / ASK followed for one command before its error reply is taken as the answer. */
constexpr unsigned max_redirects = 16;
/** TRYAGAIN / CLUSTERDOWN / not connected: first wait, doubled up to the cap. */
constexpr auto retry_first = 10ms;
constexpr auto retry_cap = 200ms;
/** Between two map loads asked for back to back. */
constexpr auto refresh_spacing = 50ms;
/** A part's reply that answers its WAIT, not a caller's command (ASKING's OK is -1). */
constexpr int wait_reply = -2;
/** While writes wait for replicas, a map older than this is reloaded (in the background): which
    masters have replicas changes with no reply to tell (a replica synced, added or lost). */
constexpr auto map_max_age = 10s;

} // namespace

/** One caller's request while it is routed. */
struct cluster_router::op {
    struct command {
        std::string_view bytes;
        /** The slot that routes it: its key's, or for a keyless command its neighbour's; -1:
            any master. */
        int slot = -1;
        /** An ASK target for the next attempt only. */
        std::uint16_t ask = none;
        unsigned redirects = 0;
        /** Between MULTI and EXEC: a redirection is the answer, never followed alone. */
        bool in_transaction = false;
        bool done = false;
        /** The last TRYAGAIN / CLUSTERDOWN reply, the answer if time runs out (a view into
            `kept`). */
        std::optional<reply> last_error;
    };

    op(std::string_view bytes, connection::exec_handler h)
        : payload(bytes), handler(std::move(h)) {}

    std::string payload;
    std::vector<command> commands;
    /** The answers in the caller's order: views into `kept`. */
    std::vector<reply> replies;
    /** Every node's replies that an answer or a last_error views, kept whole (moving an owner
        keeps its views valid). At the end, one owner in the caller's order is handed over:
        the only one kept when it already is that (one node, no redirection), else a copy. */
    std::vector<redis::replies> kept;
    connection::exec_handler handler;
};

namespace {

/** What one node is sent in one round: its request and, per reply, the command it answers
    (-1 for an ASKING's OK). */
struct part {
    std::uint16_t node = none;
    request req;
    std::vector<int> who;
    net::error_code ec;
    redis::replies replies;
};

struct gather {
    explicit gather(const net::executor& ex) : done(ex) {
        done.expires_at(net::steady_timer::time_point::max());
    }
    std::size_t left = 0;
    net::steady_timer done;
    std::vector<part> parts;
};

// The first argument (the command's name) of `*N\r\n$len\r\nNAME\r\n...`; empty if malformed.
std::string_view command_name(std::string_view bytes) {
    const auto header = bytes.find("\r\n", bytes.find("\r\n") + 2);
    if (header == std::string_view::npos)
        return {};
    const auto end = bytes.find("\r\n", header + 2);
    return end == std::string_view::npos ? std::string_view()
                                         : bytes.substr(header + 2, end - header - 2);
}

bool is_command(std::string_view bytes, std::string_view name) {
    const std::string_view arg = command_name(bytes);
    return std::equal(arg.begin(), arg.end(), name.begin(), name.end(), [](char a, char b) {
        return std::toupper(static_cast<unsigned char>(a)) == b;
    });
}

/** Whether a command may write: all but those that never do (a read, a publication, a server
    or connection command). An unknown command counts as a write: a WAIT too many costs a
    replica's round trip, one too few may lose an acknowledged write. */
bool writes(std::string_view bytes) {
    static constexpr std::string_view never[] = {"ASKING",        "CLIENT",
                                                 "CLUSTER",       "COMMAND",
                                                 "DBSIZE",        "ECHO",
                                                 "EVALSHA_RO",    "EVAL_RO",
                                                 "EXISTS",        "FCALL_RO",
                                                 "GET",           "HELLO",
                                                 "HEXISTS",       "HGET",
                                                 "HGETALL",       "HKEYS",
                                                 "HLEN",          "HMGET",
                                                 "HSCAN",         "HVALS",
                                                 "INFO",          "LINDEX",
                                                 "LLEN",          "LRANGE",
                                                 "MEMORY",        "MGET",
                                                 "OBJECT",        "PING",
                                                 "PTTL",          "PUBLISH",
                                                 "PUBSUB",        "SCAN",
                                                 "SCARD",         "SCRIPT",
                                                 "SISMEMBER",     "SMEMBERS",
                                                 "SPUBLISH",      "SSCAN",
                                                 "STRLEN",        "TIME",
                                                 "TTL",           "TYPE",
                                                 "WAIT",          "XINFO",
                                                 "XLEN",          "XRANGE",
                                                 "XREAD",         "XREVRANGE",
                                                 "ZCARD",         "ZCOUNT",
                                                 "ZLEXCOUNT",     "ZMSCORE",
                                                 "ZRANGE",        "ZRANGEBYLEX",
                                                 "ZRANGEBYSCORE", "ZRANK",
                                                 "ZREVRANGE",     "ZREVRANGEBYSCORE",
                                                 "ZREVRANK",      "ZSCAN",
                                                 "ZSCORE"};
    static_assert(std::is_sorted(std::begin(never), std::end(never)));
    const std::string_view name = command_name(bytes);
    char upper[20];
    if (name.empty() || name.size() > sizeof upper)
        return true;
    for (std::size_t i = 0; i < name.size(); ++i)
        upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[i])));
    return !std::binary_search(std::begin(never), std::end(never),
                               std::string_view(upper, name.size()));
}

/** The answers of `o` as one owner in the caller's order: the owner they are in when that is a
    single one in that order already (the usual case), else a copy of each. */
redis::replies in_order(cluster_router::op& o) {
    if (o.kept.size() == 1) {
        const redis::replies& only = o.kept.front();
        bool same = only.size() == o.replies.size();
        for (std::size_t i = 0; same && i < o.replies.size(); ++i) {
            const reply& x = o.replies[i];
            const reply& y = only[i];
            same = x.type == y.type && x.integer == y.integer &&
                   x.as_string().data() == y.as_string().data() &&
                   x.as_string().size() == y.as_string().size() &&
                   x.elements.begin() == y.elements.begin() &&
                   x.elements.size() == y.elements.size();
        }
        if (same)
            return std::move(o.kept.front());
    }
    redis::replies out;
    out.reserve(o.replies.size());
    for (const reply& a : o.replies)
        out.push(a);
    return out;
}

} // namespace

cluster_router::cluster_router(net::executor ex, endpoint ep, connection_options opts)
    : ex_(std::move(ex)), ep_(std::move(ep)), opts_(std::move(opts)), where_(describe(ep_)) {}

cluster_router::~cluster_router() {
    stop();
}

void cluster_router::start() {
    if (started_ || stopped_)
        return;
    started_ = true;
    refresh();
}

void cluster_router::stop() {
    if (stopped_)
        return;
    stopped_ = true;
    for (auto& n : nodes_)
        if (n.conn)
            n.conn->stop();
}

bool cluster_router::connected() const noexcept {
    if (!map_.loaded() || stopped_)
        return false;
    bool any = false;
    for (const auto& n : nodes_) {
        if (!n.master)
            continue;
        if (!n.conn || !n.conn->connected())
            return false;
        any = true;
    }
    return any;
}

std::uint16_t cluster_router::index_of(const node_address& addr) {
    for (std::size_t i = 0; i < nodes_.size(); ++i)
        if (nodes_[i].addr == addr)
            return static_cast<std::uint16_t>(i);
    if (nodes_.size() >= max_nodes)
        return none;
    nodes_.push_back(node{addr, nullptr, false, false});
    return static_cast<std::uint16_t>(nodes_.size() - 1);
}

connection& cluster_router::link(std::uint16_t i) {
    node& n = nodes_[i];
    if (!n.conn) {
        connection_options o = opts_;
        o.name = opts_.name + "@" + describe(n.addr);
        n.conn = std::make_unique<connection>(ex_, ep_.at(n.addr), std::move(o));
        if (!stopped_)
            n.conn->start();
        else
            n.conn->stop();
    }
    return *n.conn;
}

std::uint16_t cluster_router::any_master() {
    std::uint16_t fallback = none;
    for (std::size_t k = 0; k < nodes_.size(); ++k) {
        std::size_t i = (round_robin_ + k) % nodes_.size();
        if (!nodes_[i].master)
            continue;
        if (nodes_[i].conn && nodes_[i].conn->connected()) {
            round_robin_ = i + 1;
            return static_cast<std::uint16_t>(i);
        }
        if (fallback == none)
            fallback = static_cast<std::uint16_t>(i);
    }
    return fallback;
}

void cluster_router::exec(std::string_view payload, std::size_t commands,
                          connection::exec_handler handler) {
    // Boost 1.81's any_completion_handler must only ever be move-constructed (its move
    // assignment recurses): the op is built around it.
    auto o = std::make_shared<op>(payload, std::move(handler));
    auto split = split_commands(o->payload, commands);
    if (stopped_ || !split || commands == 0) {
        net::error_code ec;
        if (stopped_)
            ec = error::stopped;
        else if (!split)
            ec = error::protocol_error;
        asio::post(ex_, asio::append(std::move(o->handler), ec, redis::replies()));
        return;
    }
    o->commands.resize(split->size());
    o->replies.resize(split->size());
    bool in_transaction = false;
    for (std::size_t i = 0; i < split->size(); ++i) {
        auto& c = o->commands[i];
        c.bytes = (*split)[i].bytes;
        if ((*split)[i].key)
            c.slot = key_slot(*(*split)[i].key);
        if (is_command(c.bytes, "MULTI"))
            in_transaction = true;
        c.in_transaction = in_transaction;
        if (is_command(c.bytes, "EXEC") || is_command(c.bytes, "DISCARD"))
            in_transaction = false;
    }
    // A keyless command goes with the next keyed one, else the previous one (ADR 0013 §5).
    int next = -1;
    for (std::size_t i = split->size(); i-- > 0;) {
        if ((*split)[i].key)
            next = o->commands[i].slot;
        else
            o->commands[i].slot = next;
    }
    int previous = -1;
    for (std::size_t i = 0; i < split->size(); ++i) {
        if ((*split)[i].key)
            previous = o->commands[i].slot;
        else if (o->commands[i].slot < 0)
            o->commands[i].slot = previous;
    }
    // A transaction goes whole, MULTI to EXEC, to the node of its first key.
    for (std::size_t i = 0; i < split->size(); ++i) {
        if (!o->commands[i].in_transaction)
            continue;
        std::size_t end = i;
        int slot = -1;
        while (end < split->size() && o->commands[end].in_transaction) {
            if (slot < 0 && (*split)[end].key)
                slot = o->commands[end].slot;
            bool last = is_command(o->commands[end].bytes, "EXEC") ||
                        is_command(o->commands[end].bytes, "DISCARD");
            ++end;
            if (last)
                break;
        }
        for (std::size_t k = i; k < end; ++k)
            if (slot >= 0)
                o->commands[k].slot = slot;
        i = end - 1;
    }
    net::spawn(ex_, run(shared_from_this(), std::move(o)), "redis_cluster_request");
}

net::awaitable<void> cluster_router::run(std::shared_ptr<cluster_router> self,
                                         std::shared_ptr<op> o) {
    cluster_router& r = *self;
    const auto budget = r.opts_.command_timeout.count() > 0
                            ? std::chrono::duration_cast<clock::duration>(r.opts_.command_timeout)
                            : std::chrono::duration_cast<clock::duration>(5s);
    const auto deadline = clock::now() + budget;
    net::steady_timer timer(r.ex_);
    clock::duration delay = retry_first;
    net::error_code final_ec;
    bool any_sent = false;

    for (;;) {
        if (std::none_of(o->commands.begin(), o->commands.end(),
                         [](const op::command& c) { return !c.done; }))
            break;
        if (r.stopped_) {
            final_ec = error::stopped;
            break;
        }
        bool wait = false;
        auto g = std::make_shared<gather>(r.ex_);
        if (!r.map_.loaded()) {
            wait = true;
            r.refresh();
        } else {
            // Group what is left by node, in the caller's order within each node.
            std::vector<std::uint16_t> node_part(r.nodes_.size() + 1, none);
            for (std::size_t i = 0; i < o->commands.size(); ++i) {
                auto& c = o->commands[i];
                if (c.done)
                    continue;
                std::uint16_t n = c.ask;
                if (n == none)
                    n = c.slot >= 0 ? r.map_.owner(static_cast<std::uint16_t>(c.slot))
                                    : r.any_master();
                if (n == none || n >= r.nodes_.size()) {
                    wait = true; // no master known for this slot yet (failover under way)
                    r.refresh();
                    continue;
                }
                if (node_part.size() <= n)
                    node_part.resize(n + 1, none);
                if (node_part[n] == none) {
                    node_part[n] = static_cast<std::uint16_t>(g->parts.size());
                    g->parts.emplace_back();
                    g->parts.back().node = n;
                }
                part& p = g->parts[node_part[n]];
                if (c.ask != none) {
                    p.req.push("ASKING");
                    p.who.push_back(-1);
                    c.ask = none;
                }
                p.req.append_encoded(c.bytes, 1);
                p.who.push_back(static_cast<int>(i));
            }
        }

        // A part that writes, to a master with a replica, waits for one (replica_wait). Not
        // inside a transaction left open (its end is in the same part: parts go whole).
        if (r.opts_.replica_wait.count() > 0) {
            const auto now = clock::now();
            if (now - r.map_loaded_at_ > map_max_age)
                r.refresh();
            for (part& p : g->parts) {
                const node& n = r.nodes_[p.node];
                if (n.replicas == 0 || now < n.wait_paused_until || p.who.empty())
                    continue;
                const auto& last = o->commands[static_cast<std::size_t>(p.who.back())];
                if (last.in_transaction && !is_command(last.bytes, "EXEC") &&
                    !is_command(last.bytes, "DISCARD"))
                    continue;
                if (std::any_of(p.who.begin(), p.who.end(), [&](int w) {
                        return w >= 0 && writes(o->commands[static_cast<std::size_t>(w)].bytes);
                    })) {
                    p.req.push("WAIT", 1LL, static_cast<long long>(r.opts_.replica_wait.count()));
                    p.who.push_back(wait_reply);
                }
            }
        }

        if (!g->parts.empty()) {
            g->left = g->parts.size();
            for (std::size_t k = 0; k < g->parts.size(); ++k) {
                r.nodes_[g->parts[k].node].routed = true;
                r.link(g->parts[k].node)
                    .async_exec(g->parts[k].req,
                                asio::bind_executor(
                                    r.ex_, [g, k](net::error_code ec, redis::replies replies) {
                                        g->parts[k].ec = ec;
                                        g->parts[k].replies = std::move(replies);
                                        if (--g->left == 0)
                                            g->done.cancel();
                                    }));
            }
            // Completions are always posted, so none has run yet: wait for all of them.
            if (g->left > 0)
                co_await g->done.async_wait(net::use_tuple);
        }

        for (part& p : g->parts) {
            if (p.ec == error::not_connected) {
                wait = true; // nothing was written: send it again once the map or link is back
                r.refresh();
                continue;
            }
            if (p.ec) {
                // Written, and perhaps run: never sent again (ADR 0013 §7).
                if (!final_ec || final_ec == error::connection_lost)
                    final_ec = p.ec;
                any_sent = true;
                if (p.ec == error::connection_lost || p.ec == error::timeout)
                    r.refresh();
                continue;
            }
            any_sent = true;
            const std::string& asked_host = r.nodes_[p.node].addr.host;
            bool used = false; // an answer or a last_error views p.replies
            for (std::size_t j = 0; j < p.who.size() && j < p.replies.size(); ++j) {
                if (p.who[j] == wait_reply)
                    r.replicated(p.node, p.replies[j]);
                if (p.who[j] < 0)
                    continue; // ASKING's OK, or the WAIT's count
                auto& c = o->commands[static_cast<std::size_t>(p.who[j])];
                const reply& rep = p.replies[j];
                if (rep.is_error() && !c.in_transaction) {
                    if (auto rd = parse_redirect(rep.as_string());
                        rd && c.redirects < max_redirects) {
                        ++c.redirects;
                        if (rd->to.host.empty())
                            rd->to.host = asked_host;
                        std::uint16_t to = r.index_of(rd->to);
                        if (to != none) {
                            if (rd->ask) {
                                c.ask = to;
                            } else {
                                r.map_.set(rd->slot, to);
                                r.refresh();
                            }
                            c.last_error = rep;
                            used = true;
                            continue;
                        }
                    }
                    auto kind = rep.error_kind();
                    if (kind == server_error::tryagain || kind == server_error::clusterdown) {
                        if (kind == server_error::clusterdown)
                            r.refresh();
                        c.last_error = rep;
                        used = true;
                        wait = true;
                        continue;
                    }
                }
                o->replies[static_cast<std::size_t>(p.who[j])] = rep;
                used = true;
                c.done = true;
            }
            if (used)
                o->kept.push_back(std::move(p.replies));
        }
        if (final_ec)
            break;
        if (!wait)
            continue;
        if (clock::now() + delay > deadline) {
            // Out of time: a command that has an error reply gets it; one never answered
            // fails the request.
            for (auto& c : o->commands) {
                if (c.done)
                    continue;
                if (!c.last_error) {
                    final_ec = any_sent ? error::connection_lost : error::not_connected;
                    break;
                }
            }
            if (final_ec)
                break;
            for (std::size_t i = 0; i < o->commands.size(); ++i) {
                auto& c = o->commands[i];
                if (!c.done) {
                    o->replies[i] = *c.last_error;
                    c.done = true;
                }
            }
            break;
        }
        timer.expires_after(delay);
        co_await timer.async_wait(net::use_tuple);
        delay = std::min<clock::duration>(delay * 2, retry_cap);
    }

    redis::replies out;
    if (!final_ec)
        out = in_order(*o);
    asio::post(r.ex_, asio::append(std::move(o->handler), final_ec, std::move(out)));
}

void cluster_router::refresh() {
    if (stopped_)
        return;
    if (refreshing_) {
        refresh_again_ = true;
        return;
    }
    refreshing_ = true;
    net::spawn(ex_, refresh_loop(shared_from_this()), "redis_cluster_refresh " + opts_.name);
}

net::awaitable<void> cluster_router::refresh_loop(std::shared_ptr<cluster_router> self) {
    cluster_router& r = *self;
    net::steady_timer timer(r.ex_);
    clock::duration backoff = r.opts_.reconnect_min;
    unsigned failures = 0;
    while (!r.stopped_) {
        r.refresh_again_ = false;
        bool ok = co_await r.load_map();
        if (r.stopped_)
            break;
        if (ok) {
            failures = 0;
            backoff = r.opts_.reconnect_min;
            if (!r.refresh_again_)
                break;
            timer.expires_after(refresh_spacing);
        } else {
            ++failures;
            if (failures == 1 || failures % 30 == 0)
                log::warn("redis_cluster_map_failed",
                          {{"name", r.opts_.name}, {"endpoint", r.where_}, {"attempt", failures}});
            timer.expires_after(backoff);
            backoff = std::min<clock::duration>(backoff * 2, r.opts_.reconnect_max);
        }
        co_await timer.async_wait(net::use_tuple);
    }
    r.refreshing_ = false;
}

net::awaitable<bool> cluster_router::load_map() {
    // Ask an open link: masters first, then any other node; when none is open, open the seeds'
    // links and wait (up to connect_timeout) for one of them.
    net::steady_timer timer(ex_);
    const auto give_up = clock::now() + opts_.connect_timeout;
    for (;;) {
        std::vector<std::uint16_t> order;
        for (std::size_t i = 0; i < nodes_.size(); ++i)
            if (nodes_[i].master)
                order.push_back(static_cast<std::uint16_t>(i));
        for (std::size_t i = 0; i < nodes_.size(); ++i)
            if (!nodes_[i].master)
                order.push_back(static_cast<std::uint16_t>(i));
        bool any_open = false;
        for (std::uint16_t i : order) {
            if (stopped_)
                co_return false;
            if (!nodes_[i].conn || !nodes_[i].conn->connected())
                continue;
            any_open = true;
            node_address asked = nodes_[i].addr;
            request req;
            req.push("CLUSTER", "SHARDS");
            auto [ec, replies] = co_await nodes_[i].conn->exec(req);
            if (ec || replies.size() != 1 || stopped_)
                continue;
            auto ranges = parse_cluster_shards(replies[0], asked);
            if (replies[0].is_error()) {
                request slots;
                slots.push("CLUSTER", "SLOTS");
                auto [ec2, replies2] = co_await nodes_[i].conn->exec(slots);
                if (ec2 || replies2.size() != 1 || stopped_)
                    continue;
                ranges = parse_cluster_slots(replies2[0], asked);
            }
            if (!ranges) {
                log::warn("redis_cluster_map_failed", {{"name", opts_.name},
                                                       {"endpoint", describe(asked)},
                                                       {"error", ranges.error()}});
                continue;
            }
            apply(*ranges);
            co_return true;
        }
        if (any_open || clock::now() >= give_up || stopped_)
            co_return false;
        for (const auto& seed : ep_.seeds)
            if (auto i = index_of(seed); i != none)
                link(i);
        timer.expires_after(10ms);
        co_await timer.async_wait(net::use_tuple);
    }
}

void cluster_router::replicated(std::uint16_t i, const reply& r) {
    if (r.type == reply::kind::integer && r.integer >= 1)
        return;
    node& n = nodes_[i];
    n.wait_paused_until = clock::now() + opts_.replica_wait_pause;
    if (opts_.metrics)
        opts_.metrics->replica_wait_timeouts.inc();
    log::warn("redis_replica_wait_timeout",
              {{"name", opts_.name},
               {"node", n.addr.host + ":" + std::to_string(n.addr.port)},
               {"reply", r.is_error() ? std::string(r.as_string()) : std::to_string(r.integer)},
               {"paused_ms", static_cast<long long>(opts_.replica_wait_pause.count())}});
    refresh();
}

void cluster_router::apply(const std::vector<slot_range>& ranges) {
    std::vector<bool> was_master;
    for (const auto& n : nodes_)
        was_master.push_back(n.master);
    map_.assign(ranges, [this](const node_address& a) { return index_of(a); });
    map_loaded_at_ = clock::now();
    for (auto& n : nodes_) {
        n.master = false;
        n.replicas = 0;
    }
    for (const auto& rg : ranges)
        if (auto i = index_of(rg.master); i != none) {
            nodes_[i].master = true;
            nodes_[i].replicas = rg.replicas;
        }
    bool changed = was_master.size() != nodes_.size();
    std::size_t masters = 0;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        node& n = nodes_[i];
        if (i < was_master.size() && was_master[i] != n.master)
            changed = true;
        if (n.master) {
            ++masters;
            link(static_cast<std::uint16_t>(i));
        } else if (n.conn && (!n.conn->connected() || !n.routed)) {
            // A node that serves nothing: a failed master (nothing can be pending on a closed
            // link) or a seed that only answered CLUSTER SHARDS (that reply is in): it goes. A
            // demoted master that is still up keeps its link until the replies in flight on it
            // are in; it is dropped once it is closed.
            n.conn->stop();
            n.conn.reset();
        }
    }
    if (changed)
        log::info("redis_cluster_map",
                  {{"name", opts_.name}, {"endpoint", where_}, {"masters", masters}});
}

} // namespace senna::redis::detail

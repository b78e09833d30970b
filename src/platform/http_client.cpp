#include "platform/http_client.hpp"

#include "net/spawn.hpp"
#include "platform/error.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <cerrno>
#include <list>
#include <optional>
#include <stdexcept>
#include <sys/socket.h>

namespace senna::platform {

namespace asio = net::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using clock = std::chrono::steady_clock;

namespace {

/** Bound on a response head: the platform answers JSON, its headers are small. */
constexpr std::uint32_t max_header_bytes = 16 * 1024;

using tls_stream = asio::ssl::stream<beast::tcp_stream&>;

struct connection {
    connection(const net::executor& ex, asio::ssl::context* tls) : stream(ex) {
        if (tls)
            secure = std::make_unique<tls_stream>(stream, *tls);
    }
    beast::tcp_stream stream;
    /** https: TLS over `stream` (destroyed before it). */
    std::unique_ptr<tls_stream> secure;
    /** Bytes read past a response stay here for the next one (a keep-alive peer sends none). */
    beast::flat_buffer buffer;
    clock::time_point idle_since;
};

/** A get() waiting for a pool slot: woken by cancelling its timer with `notified` set. */
struct slot_waiter {
    explicit slot_waiter(const net::executor& ex) : timer(ex) {}
    net::steady_timer timer;
    bool notified = false;
};

/** A name resolution running in its own task: getaddrinfo cannot be interrupted, so the
 *  requester waits on `wake` until its deadline and abandons the result if it comes later. */
struct resolve_state {
    explicit resolve_state(const net::executor& ex) : wake(ex) {}
    net::steady_timer wake;
    bool done = false;
    net::error_code ec;
    std::vector<net::tcp::endpoint> endpoints;
};

net::awaitable<void> run_resolve(std::shared_ptr<resolve_state> st, std::string host,
                                 std::string port) {
    net::tcp::resolver resolver(co_await asio::this_coro::executor);
    auto r = co_await resolver.async_resolve(host, port, net::use_tuple);
    st->ec = std::get<0>(r);
    for (const auto& entry : std::get<1>(r))
        st->endpoints.push_back(entry.endpoint());
    st->done = true;
    st->wake.cancel();
}

bool header_text_ok(std::string_view s) {
    return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

/** True when the peer closed (or wrote to) an idle connection: it must not be reused. */
bool idle_connection_dead(connection& c) {
    char byte;
    const auto n = ::recv(c.stream.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

/** The failures of a reused connection that mean "the server had closed it": nothing of an
 *  answer arrived, so the request can go again on a fresh connection. */
bool is_stale(const net::error_code& ec) {
    return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::error::connection_aborted;
}

net::error_code map_error(const net::error_code& ec) {
    if (ec == beast::error::timeout)
        return error::timeout;
    if (ec == asio::error::operation_aborted)
        return ec;
    if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit ||
        ec == bhttp::error::buffer_overflow)
        return error::too_large;
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || is_stale(ec))
        return error::connection_lost;
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category())
        return error::bad_response;
    return error::connection_lost;
}

} // namespace

struct http_client::impl {
    impl(net::executor e, base_url b, http_options o)
        : ex(std::move(e)), base(std::move(b)), opts(std::move(o)) {
        net::error_code ec;
        address = asio::ip::make_address(base.host, ec);
        literal = !ec;
        if (opts.max_connections == 0)
            opts.max_connections = 1;
        if (base.tls) {
            tls.emplace(asio::ssl::context::tls_client);
            SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
            tls->set_verify_mode(asio::ssl::verify_peer);
            net::error_code lec;
            if (opts.ca_file.empty())
                tls->set_default_verify_paths(lec);
            else
                tls->load_verify_file(opts.ca_file, lec);
            if (lec)
                throw std::invalid_argument("cannot load the CA file '" + opts.ca_file +
                                            "': " + lec.message());
        }
    }

    net::executor ex;
    base_url base;
    http_options opts;
    /** https only. */
    std::optional<asio::ssl::context> tls;
    bool literal = false;
    asio::ip::address address;
    /** Idle connections, the most recently used last (reused first: the least likely to have
     *  been closed by the server). */
    std::vector<std::unique_ptr<connection>> idle;
    /** Sockets counted against max_connections: idle ones plus those held by a lease. */
    std::size_t open = 0;
    std::list<slot_waiter*> waiters;

    void notify_one() {
        if (waiters.empty())
            return;
        slot_waiter* w = waiters.front();
        waiters.pop_front();
        w->notified = true;
        w->timer.cancel();
    }

    void close_idle(std::size_t index) {
        net::error_code ignored;
        idle[index]->stream.socket().close(ignored);
        idle.erase(idle.begin() + static_cast<std::ptrdiff_t>(index));
        --open;
    }

    void prune_idle() {
        const auto now = clock::now();
        for (std::size_t k = idle.size(); k-- > 0;) {
            if (now - idle[k]->idle_since >= opts.idle_timeout)
                close_idle(k);
        }
    }
};

namespace {

/** A pool slot with, once connected, its connection. Giving it back (or destroying it) frees
 *  the slot and wakes one waiter; only release(true) keeps the socket for reuse. */
class lease {
public:
    lease() = default;
    lease(http_client::impl* owner, std::unique_ptr<connection> c, bool reused)
        : owner_(owner), conn_(std::move(c)), reused_(reused) {}
    lease(lease&& o) noexcept
        : ec(o.ec), owner_(std::exchange(o.owner_, nullptr)), conn_(std::move(o.conn_)),
          reused_(o.reused_) {}
    lease& operator=(lease&&) = delete;
    ~lease() { release(false); }

    void release(bool reusable) {
        if (owner_ == nullptr)
            return;
        auto* owner = std::exchange(owner_, nullptr);
        if (reusable && conn_->stream.socket().is_open()) {
            conn_->idle_since = clock::now();
            owner->idle.push_back(std::move(conn_));
        } else {
            net::error_code ignored;
            conn_->stream.socket().close(ignored);
            conn_.reset();
            --owner->open;
        }
        owner->notify_one();
    }

    connection& conn() { return *conn_; }
    bool reused() const noexcept { return reused_; }

    net::error_code ec;

private:
    http_client::impl* owner_ = nullptr;
    std::unique_ptr<connection> conn_;
    bool reused_ = false;
};

/** Removes a waiter from the queue however its wait ends (the coroutine frame may also be
 *  destroyed while suspended, at shutdown). */
struct waiter_registration {
    http_client::impl& owner;
    slot_waiter& waiter;
    ~waiter_registration() { owner.waiters.remove(&waiter); }
};

/**
 * A connection slot by `deadline`: an idle connection (with `allow_idle`), else a new
 * unconnected one while fewer than max_connections are open, else waits for a release. A
 * request that found a stale connection asks again without `allow_idle`: an idle one is
 * closed to make room rather than reused, as it is likely stale too.
 */
net::awaitable<lease> acquire(http_client::impl& i, clock::time_point deadline, bool allow_idle) {
    for (;;) {
        i.prune_idle();
        while (allow_idle && !i.idle.empty()) {
            std::unique_ptr<connection> c = std::move(i.idle.back());
            i.idle.pop_back();
            if (!idle_connection_dead(*c))
                co_return lease(&i, std::move(c), true);
            net::error_code ignored;
            c->stream.socket().close(ignored);
            --i.open;
        }
        if (i.open < i.opts.max_connections) {
            ++i.open;
            co_return lease(&i, std::make_unique<connection>(i.ex, i.tls ? &*i.tls : nullptr),
                            false);
        }
        if (!i.idle.empty()) {
            i.close_idle(0);
            continue;
        }

        slot_waiter w(i.ex);
        w.timer.expires_at(deadline);
        i.waiters.push_back(&w);
        waiter_registration registration{i, w};
        co_await w.timer.async_wait(net::use_tuple);
        if (w.notified)
            continue;
        lease failed;
        failed.ec = clock::now() >= deadline ? net::error_code(error::timeout)
                                             : net::error_code(asio::error::operation_aborted);
        co_return failed;
    }
}

net::awaitable<net::error_code> resolve(http_client::impl& i, clock::time_point deadline,
                                        std::vector<net::tcp::endpoint>& out) {
    if (i.literal) {
        out.emplace_back(i.address, i.base.port);
        co_return net::error_code();
    }
    auto st = std::make_shared<resolve_state>(i.ex);
    st->wake.expires_at(deadline);
    net::spawn(i.ex, run_resolve(st, i.base.host, std::to_string(i.base.port)), "platform resolve");
    if (!st->done)
        co_await st->wake.async_wait(net::use_tuple);
    if (!st->done)
        co_return clock::now() >= deadline ? net::error_code(error::timeout)
                                           : net::error_code(asio::error::operation_aborted);
    if (st->ec || st->endpoints.empty())
        co_return error::resolve_failed;
    out = std::move(st->endpoints);
    co_return net::error_code();
}

net::awaitable<net::error_code> connect(http_client::impl& i, connection& c,
                                        clock::time_point deadline) {
    const auto cap = std::min(deadline, clock::now() + i.opts.connect_timeout);
    std::vector<net::tcp::endpoint> endpoints;
    const net::error_code rec = co_await resolve(i, cap, endpoints);
    if (rec)
        co_return rec;
    c.stream.expires_at(cap);
    auto r = co_await c.stream.async_connect(endpoints, net::use_tuple);
    const net::error_code ec = std::get<0>(r);
    if (ec == beast::error::timeout)
        co_return error::timeout;
    if (ec == asio::error::operation_aborted)
        co_return ec;
    if (ec)
        co_return error::connect_failed;
    net::error_code ignored;
    // Small requests must not wait for Nagle.
    c.stream.socket().set_option(net::tcp::no_delay(true), ignored);
    if (c.secure) {
        // SNI and the name the certificate must carry (an address literal: its IP SAN).
        if (!i.literal)
            SSL_set_tlsext_host_name(c.secure->native_handle(), i.base.host.c_str());
        c.secure->set_verify_callback(asio::ssl::host_name_verification(i.base.host));
        c.stream.expires_at(deadline);
        auto [hec] =
            co_await c.secure->async_handshake(asio::ssl::stream_base::client, net::use_tuple);
        if (hec == beast::error::timeout)
            co_return error::timeout;
        if (hec == asio::error::operation_aborted)
            co_return hec;
        if (hec)
            co_return error::tls_failed;
    }
    co_return net::error_code();
}

/** Writes `req` and reads one response on `c` by `deadline`. `reusable`: the connection may
 *  carry another request (keep-alive, nothing unread). */
template <class Stream>
net::awaitable<net::error_code>
exchange_on(Stream& stream, connection& c, const bhttp::request<bhttp::string_body>& req,
            clock::time_point deadline, std::size_t body_limit, http_result& out, bool& reusable) {
    c.stream.expires_at(deadline);
    auto w = co_await bhttp::async_write(stream, req, net::use_tuple);
    if (std::get<0>(w))
        co_return std::get<0>(w);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.header_limit(max_header_bytes);
    parser.body_limit(body_limit);
    auto r = co_await bhttp::async_read(stream, c.buffer, parser, net::use_tuple);
    if (std::get<0>(r))
        co_return std::get<0>(r);
    auto& res = parser.get();
    out.status = res.result_int();
    out.body = std::move(res.body());
    reusable = res.keep_alive() && c.buffer.size() == 0;
    co_return net::error_code();
}

net::awaitable<net::error_code> exchange(connection& c,
                                         const bhttp::request<bhttp::string_body>& req,
                                         clock::time_point deadline, std::size_t body_limit,
                                         http_result& out, bool& reusable) {
    if (c.secure)
        co_return co_await exchange_on(*c.secure, c, req, deadline, body_limit, out, reusable);
    co_return co_await exchange_on(c.stream, c, req, deadline, body_limit, out, reusable);
}

} // namespace

http_client::http_client(net::executor ex, std::string_view url, http_options opts) {
    std::string why;
    auto parsed = parse_base_url(url, why);
    if (!parsed)
        throw std::invalid_argument(why);
    impl_ = std::make_unique<impl>(std::move(ex), std::move(*parsed), std::move(opts));
}

http_client::http_client(net::executor ex, base_url base, http_options opts)
    : impl_(std::make_unique<impl>(std::move(ex), std::move(base), std::move(opts))) {}

http_client::~http_client() {
    for (auto& c : impl_->idle) {
        net::error_code ignored;
        c->stream.socket().close(ignored);
    }
}

std::size_t http_client::open_connections() const noexcept {
    return impl_->open;
}
std::size_t http_client::idle_connections() const noexcept {
    return impl_->idle.size();
}
const base_url& http_client::base() const noexcept {
    return impl_->base;
}
net::executor http_client::get_executor() const noexcept {
    return impl_->ex;
}

net::awaitable<http_result> http_client::get(std::string target, header_list headers) {
    co_return co_await send(bhttp::verb::get, std::move(target), std::move(headers), {});
}

net::awaitable<http_result> http_client::post(std::string target, header_list headers,
                                              std::string body) {
    co_return co_await send(bhttp::verb::post, std::move(target), std::move(headers),
                            std::move(body));
}

net::awaitable<http_result> http_client::send(bhttp::verb method, std::string target,
                                              header_list headers, std::string body) {
    impl& i = *impl_;
    const auto deadline = clock::now() + i.opts.request_timeout;
    http_result out;
    for (const auto& h : headers) {
        if (h.first.empty() || !header_text_ok(h.first) || !header_text_ok(h.second)) {
            out.ec = error::bad_request;
            co_return out;
        }
    }
    if (!header_text_ok(target)) {
        out.ec = error::bad_request;
        co_return out;
    }
    std::string_view relative(target);
    while (!relative.empty() && relative.front() == '/')
        relative.remove_prefix(1);
    bhttp::request<bhttp::string_body> req{method, i.base.prefix + std::string(relative), 11};
    req.set(bhttp::field::host, i.base.host_header);
    for (const auto& h : headers)
        req.set(h.first, h.second);
    if (method != bhttp::verb::get) {
        req.body() = std::move(body);
        req.prepare_payload();
    }

    for (int attempt = 0; attempt < 2; ++attempt) {
        lease l = co_await acquire(i, deadline, attempt == 0);
        if (l.ec) {
            out.ec = l.ec;
            co_return out;
        }
        if (!l.reused()) {
            const net::error_code cec = co_await connect(i, l.conn(), deadline);
            if (cec) {
                out.ec = cec;
                co_return out;
            }
        }
        bool reusable = false;
        const net::error_code ec =
            co_await exchange(l.conn(), req, deadline, i.opts.max_body_bytes, out, reusable);
        if (!ec) {
            l.release(reusable);
            co_return out;
        }
        const bool retry = l.reused() && attempt == 0 && is_stale(ec) && clock::now() < deadline;
        l.release(false);
        if (retry)
            continue;
        out.ec = map_error(ec);
        out.status = 0;
        out.body.clear();
        co_return out;
    }
    out.ec = error::connection_lost; // not reached: the second attempt always returns
    co_return out;
}

} // namespace senna::platform

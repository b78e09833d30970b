#include "http/session.hpp"

#include "http/query.hpp"
#include "http/response.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <optional>
#include <string>

namespace senna::http {

namespace {

using clock = std::chrono::steady_clock;

// Answers of pipelined requests held back for one write: at most about this many bytes.
constexpr std::size_t pipeline_batch = 64 * 1024;

// After an error answer on a connection we will not read further: stop sending, then read and
// discard what the client still sends for a moment, so that closing with unread bytes does not
// reset the connection before the client has read our answer.
net::awaitable<void> lingering_close(beast::tcp_stream& stream) {
    net::error_code ec;
    stream.socket().shutdown(net::tcp::socket::shutdown_send, ec);
    std::array<char, 16 * 1024> sink;
    std::size_t drained = 0;
    stream.expires_after(std::chrono::seconds(1));
    while (drained < 4 * 1024 * 1024) {
        auto [rec, n] = co_await stream.async_read_some(net::asio::buffer(sink), net::use_tuple);
        if (rec)
            break;
        drained += n;
    }
    stream.socket().close(ec);
}

void log_request(const request& req, std::string_view route, unsigned status, double ms,
                 std::string_view user) {
    auto method = bhttp::to_string(req.method());
    log::info("request", {{"method", std::string_view(method.data(), method.size())},
                          {"route", route},
                          {"status", status},
                          {"ms", ms},
                          {"user", user.empty() ? std::string_view("-") : user}});
}

bool expects_continue(const request& head) {
    auto it = head.find(field::expect);
    return it != head.end() && util::iequals(it->value(), "100-continue");
}

// A malformed request we answer with 400 (as opposed to a peer that went away mid-request).
bool is_parse_error(const net::error_code& ec) {
    return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
           ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

// Parses what `buffer` holds into `parser` without reading (a pipelined request, or the rest of
// what the last read brought): no wake-up for a request already here. True when the request is
// complete; false with `ec` clear when more bytes are needed, or with `ec` set (limits, syntax).
bool parse_buffered(bhttp::request_parser<bhttp::string_body>& parser, beast::flat_buffer& buffer,
                    net::error_code& ec) {
    while (buffer.size() > 0 && !parser.is_done()) {
        const std::size_t used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec == bhttp::error::need_more) {
            ec = {};
            break;
        }
        if (ec || used == 0)
            break;
    }
    return !ec && parser.is_done();
}

// Writes the answers held back while pipelined requests were waiting; false when it failed.
net::awaitable<bool> flush(beast::tcp_stream& stream, std::string& pending,
                           std::chrono::milliseconds timeout) {
    if (pending.empty())
        co_return true;
    stream.expires_after(timeout);
    auto [ec, n] =
        co_await net::asio::async_write(stream, net::asio::buffer(pending), net::use_tuple);
    pending.clear();
    co_return !ec;
}

// The upgrade route whose prefix the request's path is under, if any.
const upgrade_route* route_under(const session_env& env, const request& req) {
    std::string_view path = split_target(req.target()).path;
    for (const auto& r : env.upgrades) {
        std::string_view prefix = r.prefix;
        if (path.starts_with(prefix) ||
            (prefix.ends_with('/') && path == prefix.substr(0, prefix.size() - 1)))
            return &r;
    }
    return nullptr;
}

// The upgrade route that takes this request over, if any.
const upgrade_handler* find_upgrade(const session_env& env, const request& req) {
    if (env.upgrades.empty() || req.method() != verb::get)
        return nullptr;
    auto up = req.find(field::upgrade);
    if (up == req.end() || !util::iequals(up->value(), "websocket"))
        return nullptr;
    const upgrade_route* r = route_under(env, req);
    return r ? &r->fn : nullptr;
}

} // namespace

net::awaitable<response> dispatch(const request& req, session_env& env, std::string remote,
                                  std::size_t& route_index, std::string& user, connection_info conn,
                                  std::optional<drop_connection>& dropped) {
    route_index = env.metrics.unmatched();
    if (cors_policy::is_preflight(req))
        co_return env.cors.preflight(req);

    // Not a structured binding: GCC 12 mislays those across a co_await in a coroutine frame.
    const target_parts target = split_target(req.target());
    auto m = env.routes.match(req.method(), target.path);
    response res;
    if (m.kind == router::outcome::not_found) {
        res = not_found_response(req.version());
    } else if (m.kind == router::outcome::method_not_allowed) {
        route_index = m.index;
        res = method_not_allowed_response(req.method(), m.matched->allow, req.version());
    } else {
        route_index = m.index;
        request_context ctx{req, target.path, target.query, std::move(m.params), std::move(remote),
                            {},  conn.fd,     conn.can_park};
        try {
            res = co_await (*m.fn)(ctx);
        } catch (drop_connection& d) {
            dropped.emplace(std::move(d));
            co_return res;
        } catch (const std::exception& e) {
            log::error("handler_failed", {{"route", m.matched->pattern}, {"error", e.what()}});
            res = internal_error_response(req.version());
        }
        user = std::move(ctx.user);
    }
    env.cors.apply(req, res);
    if (req.method() == verb::head) {
        // HEAD: the GET answer's headers (Content-Length included) without its body.
        auto n = res.body().size();
        res.body().clear();
        res.content_length(n);
    }
    co_return res;
}

net::awaitable<void> run_session(beast::tcp_stream stream, session_env& env, session_state& state) {
    state.stream = &stream;
    const auto& s = env.settings;
    beast::flat_buffer buffer;
    net::error_code ec;
    auto endpoint = stream.socket().remote_endpoint(ec);
    std::string remote = ec ? std::string("?") : endpoint.address().to_string();
    // Answers to pipelined requests (HTTP/1.1: in order): held while the next request is already
    // in the buffer, then written together, before anything is read from the socket again.
    std::string pending;

    for (;;) {
        if (state.closing)
            break;
        if (buffer.size() == 0) {
            const bool flushed = co_await flush(stream, pending, s.write_timeout);
            if (!flushed)
                break;
            // Between requests: the idle deadline, not the request one.
            state.idle = true;
            stream.expires_after(s.idle_timeout);
            auto [rec, n] = co_await stream.async_read_some(buffer.prepare(4096), net::use_tuple);
            state.idle = false;
            if (rec || state.closing)
                break;
            buffer.commit(n);
        }

        // From the first byte, the whole request must arrive within request_timeout: a client
        // trickling one byte a minute is cut off.
        auto started = clock::now();
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(s.header_limit));
        parser.body_limit(s.body_limit);
        net::error_code hec;
        if (!parse_buffered(parser, buffer, hec) && !hec) {
            // More to read: first the answers held back (the client may be waiting for them).
            const bool flushed = co_await flush(stream, pending, s.write_timeout);
            if (!flushed)
                break;
            stream.expires_after(s.request_timeout);
            if (!parser.is_header_done()) {
                auto [rec, rn] =
                    co_await bhttp::async_read_header(stream, buffer, parser, net::use_tuple);
                hec = rec;
            }
        }
        std::optional<response> early; // an error answered before the request is complete
        if (hec == bhttp::error::header_limit) {
            util::metrics::count(s.refusals, util::metrics::refusal::rest_header_too_large);
            early = header_too_large_response();
        } else if (hec == bhttp::error::body_limit) {
            util::metrics::count(s.refusals, util::metrics::refusal::rest_body_too_large);
            early = payload_too_large_response(s.body_limit);
        } else if (hec) {
            if (is_parse_error(hec))
                early = bad_request_response("The request could not be parsed");
            else
                break; // timeout, eof, reset: nothing to answer
        } else if (!parser.is_done()) {
            const auto& head = parser.get();
            if (auto cl = parser.content_length(); cl && *cl > s.body_limit) {
                util::metrics::count(s.refusals, util::metrics::refusal::rest_body_too_large);
                early = payload_too_large_response(s.body_limit, head.version());
            } else {
                if (expects_continue(head)) {
                    bhttp::response<bhttp::empty_body> cont{status::continue_, head.version()};
                    stream.expires_after(s.write_timeout);
                    auto [cec, cn] = co_await bhttp::async_write(stream, cont, net::use_tuple);
                    if (cec)
                        break;
                    stream.expires_after(s.request_timeout);
                }
                auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, net::use_tuple);
                if (bec == bhttp::error::body_limit) {
                    util::metrics::count(s.refusals, util::metrics::refusal::rest_body_too_large);
                    early = payload_too_large_response(s.body_limit, head.version());
                } else if (is_parse_error(bec))
                    early = bad_request_response("The request body was incomplete");
                else if (bec)
                    break;
            }
        }

        if (early) {
            co_await flush(stream, pending, s.write_timeout);
            early->keep_alive(false);
            std::size_t idx = env.metrics.unmatched();
            env.metrics.record(idx, early->result_int(), 0);
            stream.expires_after(s.write_timeout);
            co_await bhttp::async_write(stream, *early, net::use_tuple);
            if (s.access_log)
                log::info("request", {{"route", "-"}, {"status", early->result_int()}});
            co_await lingering_close(stream);
            co_return;
        }

        request req = parser.release();
        // A long-poll may hold this request for a ping interval: the read buffer (4 KB) is
        // given back while nothing else is in it, and allocated again for the next request.
        if (buffer.size() == 0)
            buffer.shrink_to_fit();
        if (const upgrade_handler* up = find_upgrade(env, req)) {
            co_await flush(stream, pending, s.write_timeout);
            // The handler owns the connection now (and its place in the open-connection count);
            // shutdown reaches it through its own owner. This coroutine ends here. Bytes after
            // the request would be the client's first frames, which it does not send before
            // the 101.
            state.stream = nullptr;
            state.handed_over = true;
            auto* metrics = &env.metrics;
            (*up)(stream.release_socket(), std::move(req), std::move(remote),
                  [metrics] { metrics->connection_closed(); });
            co_return;
        }
        // Under an upgrade route (Engine.IO's), a request may be a long-poll, held for up to a
        // ping interval: the answers held back do not wait for it.
        if (!pending.empty() && route_under(env, req)) {
            const bool flushed = co_await flush(stream, pending, s.write_timeout);
            if (!flushed)
                break;
        }
        std::size_t route_index = 0;
        std::string user;
        std::optional<drop_connection> dropped;
        const connection_info conn{stream.socket().native_handle(), buffer.size() == 0};
        response res = co_await dispatch(req, env, remote, route_index, user, conn, dropped);
        if (dropped && dropped->take && conn.can_park) {
            // The handler keeps the connection (a long-poll): it answers, and gives the socket
            // back through server::adopt; this coroutine ends here.
            co_await flush(stream, pending, s.write_timeout);
            state.stream = nullptr;
            state.handed_over = true;
            auto* metrics = &env.metrics;
            const bool ka = req.keep_alive() && !state.closing;
            dropped->take(parked_connection{stream.release_socket(), req.version(), ka,
                                            [metrics] { metrics->connection_closed(); }});
            co_return;
        }
        if (dropped)
            break; // closed unanswered, as the handler asked
        bool keep_alive = req.keep_alive() && !state.closing;
        res.keep_alive(keep_alive);
        net::error_code wec;
        // (a HEAD answer's body is empty already)
        if (append_serialized(res, pending)) {
            // The next request is here already: answer it first, then both in one write.
            const bool more = keep_alive && buffer.size() > 0 && pending.size() < pipeline_batch;
            if (!more) {
                const bool flushed = co_await flush(stream, pending, s.write_timeout);
                if (!flushed)
                    wec = net::asio::error::broken_pipe;
            }
        } else {
            const bool flushed = co_await flush(stream, pending, s.write_timeout);
            stream.expires_after(s.write_timeout);
            auto [ec2, wn] = co_await bhttp::async_write(stream, res, net::use_tuple);
            wec = flushed ? ec2 : net::asio::error::broken_pipe;
        }
        auto micros = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - started).count());
        env.metrics.record(route_index, res.result_int(), micros);
        if (s.access_log && log::enabled(log::level::info)) { // the fields cost ~2.5k instr
            const auto& routes = env.routes.routes();
            std::string_view label =
                route_index < routes.size() ? std::string_view(routes[route_index].pattern) : "-";
            log_request(req, label, res.result_int(), static_cast<double>(micros) / 1000.0, user);
        }
        if (wec || !keep_alive)
            break;
    }
    stream.socket().shutdown(net::tcp::socket::shutdown_send, ec);
    stream.socket().close(ec);
}

} // namespace senna::http

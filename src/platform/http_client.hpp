#pragma once
// An HTTP/1.1 client (Beast) for one base URL: GET and POST requests with a small keep-alive
// pool, over TCP or, for an https URL, TLS (the peer's certificate verified against the system's
// CAs or `ca_file`, and its name against the URL's host).
//
// Threading: not thread-safe. Construct, call and destroy it on its executor's thread (one
// client per shard). The client must outlive every get() it started.
//
// Bounds: every get() completes by its deadline (`request_timeout` from the call), whatever
// the peer does: the wait for a pool slot, name resolution, connecting (also capped by
// `connect_timeout`), writing and reading all count against it. At most `max_connections`
// sockets are open; a response head is limited to 16 KiB and a body to `max_body_bytes`.
//
// Cancellation: a get() whose awaiting coroutine is cancelled completes early with
// operation_aborted or an error; the connection it used is closed, never pooled.

#include "net/types.hpp"
#include "platform/url.hpp"

#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace senna::platform {

struct http_options {
    /** Cap on opening one TCP connection (name resolution included). */
    std::chrono::milliseconds connect_timeout{1000};
    /** Cap on a whole get(), from the call to the last byte of the body. */
    std::chrono::milliseconds request_timeout{3000};
    /** Open sockets at most (idle and busy); more requests wait for a slot. */
    std::size_t max_connections = 8;
    /** Longest accepted response body. */
    std::size_t max_body_bytes = 1024 * 1024;
    /** An idle pooled connection older than this is closed rather than reused: below Node's
     *  default keepAliveTimeout (5 s), so that we rarely race a server closing it. */
    std::chrono::milliseconds idle_timeout{4000};
    /** https: a PEM file of the CAs to trust instead of the system's (empty: the system's). */
    std::string ca_file;
};

/** `ec` set: no usable answer (platform::error or operation_aborted); otherwise the HTTP
 *  status and body, whatever the status. */
struct http_result {
    net::error_code ec;
    unsigned status = 0;
    std::string body;
};

using header_list = std::vector<std::pair<std::string, std::string>>;

class http_client {
public:
    /** Throws std::invalid_argument, with a sentence for the operator, when `base_url` is not
     *  a usable http:// URL (https is refused: out of scope). */
    http_client(net::executor ex, std::string_view base_url, http_options opts = {});
    /** For a URL parsed already (parse_base_url, any url_use). Throws std::invalid_argument
     *  when `opts.ca_file` cannot be loaded. */
    http_client(net::executor ex, base_url base, http_options opts);
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    /**
     * GET `target` relative to the base URL's prefix ("v1/users?ids=1" with base
     * http://h/api/ requests /api/v1/users?ids=1; the caller percent-encodes the query). Sends
     * Host and `headers`. A pooled connection that fails before any answer byte (the server
     * closed it while idle) is retried once on a fresh connection: GET is idempotent.
     */
    net::awaitable<http_result> get(std::string target, header_list headers);

    /**
     * POST `body` to `target` (relative, as get()), with Content-Length, Host and `headers`.
     * The stale-connection retry of get() applies too: the caller's request must be safe to
     * receive twice (a webhook delivery is: it carries its id for the receiver's deduplication).
     */
    net::awaitable<http_result> post(std::string target, header_list headers, std::string body);

    /** Sockets open now (idle and busy), and idle ones. */
    std::size_t open_connections() const noexcept;
    std::size_t idle_connections() const noexcept;
    const base_url& base() const noexcept;
    net::executor get_executor() const noexcept;

    struct impl;

private:
    net::awaitable<http_result> send(boost::beast::http::verb method, std::string target,
                                     header_list headers, std::string body);

    std::unique_ptr<impl> impl_;
};

} // namespace senna::platform

#pragma once
// Method + path pattern -> handler. Patterns are literal segments and `:name` captures
// ("/api/:target/:id"); one trailing slash is ignored, as Express does. The route table itself
// is declared in one file of the layer above (api/rest_routes.cpp); this is only the matcher.

#include "http/types.hpp"
#include "net/types.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace senna::http {

/** What a handler sees of its request. Lives for the duration of the handler's coroutine. */
struct request_context {
    const request& req;
    std::string_view path;  // the target's path, not decoded
    std::string_view query; // the raw query string, not decoded
    std::vector<std::pair<std::string_view, std::string>> params; // decoded captures
    std::string remote;                                           // peer address, for logs
    std::string user;      // set by the handler for the access log: a user id, never a token
    int fd = -1;           // the connection's socket, to peek whether its client is still there
    bool can_park = false; // nothing of a next request was read yet: the handler may take over

    /** The decoded capture named `name` ("" when the pattern has none). */
    std::string_view param(std::string_view name) const;
};

/** A connection a handler keeps after reading its request (a long-poll waiting for data): it
    answers later by itself, then gives the socket back to an http::server (server::adopt) for
    the next request, or closes it and calls `release`. No frame of the HTTP layer waits. */
struct parked_connection {
    net::tcp::socket socket;
    unsigned version = 11;
    bool keep_alive = true;
    std::function<void()> release; // gives back the connection's place in the open count
};

/** Thrown by a handler that wants its connection closed without any answer (a long-poll whose
    client left, or a poll cut at shutdown so that the client sees its transport lost); with
    `take` (only where request_context::can_park), handed to `take` instead. */
struct drop_connection {
    std::function<void(parked_connection)> take;
};

using handler = std::function<net::awaitable<response>(request_context&)>;

/** One path pattern and the handler of each method it answers. */
struct route {
    std::string pattern; // also the route's label in logs and metrics
    std::vector<std::pair<verb, handler>> methods;
    std::string allow; // "GET, HEAD, POST" style, for 405 answers

    const handler* find(verb m) const;
};

class router {
public:
    enum class outcome { found, not_found, method_not_allowed };
    struct match_result {
        outcome kind = outcome::not_found;
        const route* matched = nullptr; // the first route whose pattern fits the path
        const handler* fn = nullptr;    // found: the method's handler
        std::size_t index = 0;          // the route's position, for metrics
        std::vector<std::pair<std::string_view, std::string>> params;
    };

    /**
     * Adds `fn` for `method` on `pattern`; a GET handler answers HEAD too. Routes are tried in
     * the order their patterns were first added, and the first pattern that fits decides: a
     * method it lacks is 405 even if a later pattern would take it (Express's `.all` habit).
     */
    void add(verb method, std::string pattern, handler fn);

    /** Matches a raw path; captures are percent-decoded. */
    match_result match(verb method, std::string_view path) const;

    const std::vector<route>& routes() const { return routes_; }

private:
    std::vector<route> routes_;
    std::vector<std::ptrdiff_t> slashes_; // per route: '/'s of its pattern, trailing one aside
};

} // namespace senna::http

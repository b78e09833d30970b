#pragma once
// One Engine.IO polling request, in process (no socket): the request is handed to the server's
// handle_request on `ioc`, which the caller's thread runs until the answer comes or `limit`
// passes (a held GET with nothing to send gives nullopt). For the Socket.IO and realtime tests.

#include "engineio/server.hpp"
#include "http/query.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace senna::test {

inline std::optional<http::response> polling_call(net::asio::io_context& ioc, engineio::server& eio,
                                                  http::verb method, const std::string& target,
                                                  std::string body,
                                                  std::chrono::milliseconds limit) {
    http::request req{method, target, 11};
    req.body() = std::move(body);
    req.prepare_payload();
    std::optional<http::response> out;
    net::asio::co_spawn(
        ioc,
        [&]() -> net::awaitable<void> {
            const auto parts = http::split_target(req.target());
            http::request_context ctx{req, parts.path, parts.query, {}, "127.0.0.1", {}};
            out = co_await eio.handle_request(ctx);
        },
        net::asio::detached);
    ioc.restart();
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!out && std::chrono::steady_clock::now() < deadline)
        ioc.run_for(std::chrono::milliseconds(1));
    return out;
}

} // namespace senna::test

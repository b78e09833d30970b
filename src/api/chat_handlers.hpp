#pragma once
// The REST handlers of SPEC §3's chat routes. Each: route matched -> token (401) -> body (400)
// -> chat use case -> response. Registered in rest_routes.cpp.

#include "api/rest_routes.hpp"

namespace senna::api {

net::awaitable<http::response> handle_inbox(http::request_context& ctx, const rest_services& s);
net::awaitable<http::response> handle_history(http::request_context& ctx, const rest_services& s);
net::awaitable<http::response> handle_send(http::request_context& ctx, const rest_services& s);
net::awaitable<http::response> handle_update(http::request_context& ctx, const rest_services& s);
net::awaitable<http::response> handle_remove(http::request_context& ctx, const rest_services& s);

} // namespace senna::api

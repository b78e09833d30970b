#pragma once
// The REST handlers of SPEC §3's chat routes and of the conversation log (docs/api.md). Each: route
// matched -> token (401) -> body (400)
// -> chat use case -> response. Registered in rest_routes.cpp.

#include "api/rest_routes.hpp"

namespace senna::api {

net::awaitable<http::response> handle_inbox(http::request_context& ctx, const rest_services& s);
net::awaitable<http::response> handle_history(http::request_context& ctx, const rest_services& s);
net::awaitable<http::response> handle_send(http::request_context& ctx, const rest_services& s);
net::awaitable<http::response> handle_update(http::request_context& ctx, const rest_services& s);
net::awaitable<http::response> handle_remove(http::request_context& ctx, const rest_services& s);
/** POST /api/:target/:id/read {"seq": N} or {}: the caller's read cursor moves forward. */
net::awaitable<http::response> handle_read(http::request_context& ctx, const rest_services& s);
/** GET /api/:target/:id/read: every reader's cursor in the chat. */
net::awaitable<http::response> handle_reads(http::request_context& ctx, const rest_services& s);
/** GET /api/unread: the caller's unread counts, in total and per chat. */
net::awaitable<http::response> handle_unread(http::request_context& ctx, const rest_services& s);

} // namespace senna::api

#pragma once
// Asio vocabulary shared by every I/O module. Boost 1.81 has no default completion token, so
// the aliases that make `co_await x.async_y(...)` return error codes live here, once.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>

namespace senna::net {

namespace asio = boost::asio;
using error_code = boost::system::error_code;
using tcp = asio::ip::tcp;
using unix_socket = asio::local::stream_protocol;

template <class T = void> using awaitable = asio::awaitable<T>;

/** `co_await op(..., use_tuple)` yields `std::tuple<error_code, ...>` instead of throwing. */
inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
inline constexpr auto& use_awaitable = asio::use_awaitable;

using executor = asio::any_io_executor;
using steady_timer = asio::steady_timer;

} // namespace senna::net

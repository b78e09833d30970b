#pragma once
// The only way to start a detached coroutine: an exception that escapes it is logged with
// `what` and swallowed, so it never kills a shard thread (ARCHITECTURE.md, "Code habits" 4).

#include "net/types.hpp"

#include <string>

namespace senna::net {

void log_task_exception(const std::string& what, const std::exception_ptr& ep);

template <class Executor> void spawn(Executor ex, awaitable<void> task, std::string what) {
    asio::co_spawn(std::move(ex), std::move(task),
                   [what = std::move(what)](const std::exception_ptr& ep) {
                       if (ep)
                           log_task_exception(what, ep);
                   });
}

} // namespace senna::net

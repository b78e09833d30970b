#include "net/spawn.hpp"

#include "util/log.hpp"

#include <exception>

namespace senna::net {

void log_task_exception(const std::string& what, const std::exception_ptr& ep) {
    try {
        std::rethrow_exception(ep);
    } catch (const std::exception& e) {
        log::error("task_failed", {{"task", what}, {"error", e.what()}});
    } catch (...) {
        log::error("task_failed", {{"task", what}, {"error", "unknown exception"}});
    }
}

} // namespace senna::net

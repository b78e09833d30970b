#include "api/abuse_limits.hpp"

namespace senna::api {

abuse_limits::abuse_limits(abuse_settings s) : settings_(s), writes_(s.message_writes) {}

util::rate_decision abuse_limits::message_write(std::string_view user) {
    return writes_.take(user, util::rate_clock::now());
}

abuse_limits::socket_slot::~socket_slot() {
    if (owner_)
        owner_->release_socket(user_);
}

abuse_limits::socket_slot abuse_limits::acquire_socket(const std::string& user) {
    std::lock_guard lock(sockets_mutex_);
    std::size_t& n = sockets_[user];
    if (settings_.max_sockets_per_user != 0 && n >= settings_.max_sockets_per_user) {
        if (n == 0)
            sockets_.erase(user);
        return {};
    }
    ++n;
    return socket_slot(this, user);
}

void abuse_limits::release_socket(const std::string& user) {
    std::lock_guard lock(sockets_mutex_);
    auto it = sockets_.find(user);
    if (it == sockets_.end())
        return;
    if (--it->second == 0)
        sockets_.erase(it);
}

std::size_t abuse_limits::sockets_of(const std::string& user) const {
    std::lock_guard lock(sockets_mutex_);
    auto it = sockets_.find(user);
    return it == sockets_.end() ? 0 : it->second;
}

} // namespace senna::api

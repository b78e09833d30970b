#include "realtime/local_users.hpp"

#include <algorithm>

namespace senna::realtime {

void local_users::add(const std::string& user, const std::shared_ptr<socketio::socket>& s) {
    users_[user].push_back(s);
}

void local_users::remove(const std::string& user, const socketio::socket* s) {
    auto it = users_.find(user);
    if (it == users_.end())
        return;
    auto& v = it->second;
    v.erase(std::remove_if(v.begin(), v.end(),
                           [s](const std::weak_ptr<socketio::socket>& w) {
                               auto p = w.lock();
                               return !p || p.get() == s;
                           }),
            v.end());
    if (v.empty())
        users_.erase(it);
}

std::size_t local_users::apply(const std::string& user, const std::string& room, bool join) {
    auto it = users_.find(user);
    if (it == users_.end())
        return 0;
    std::size_t n = 0;
    // Copy: join/leave run no callbacks, but stay safe against re-entrance.
    auto sockets = it->second;
    for (auto& w : sockets) {
        auto s = w.lock();
        if (!s || !s->connected())
            continue;
        if (join)
            s->join(room);
        else
            s->leave(room);
        ++n;
    }
    return n;
}

std::size_t local_users::sockets_of(const std::string& user) const {
    auto it = users_.find(user);
    return it == users_.end() ? 0 : it->second.size();
}

std::vector<std::shared_ptr<socketio::socket>> local_users::sockets(const std::string& user) const {
    std::vector<std::shared_ptr<socketio::socket>> out;
    auto it = users_.find(user);
    if (it == users_.end())
        return out;
    for (const auto& w : it->second)
        if (auto s = w.lock(); s && s->connected())
            out.push_back(std::move(s));
    return out;
}

} // namespace senna::realtime

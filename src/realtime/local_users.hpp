#pragma once
// One shard's authenticated sockets by user, so that the control channel (`messages:events`:
// join-room / leave-room, SPEC §5) moves all of a user's sockets on this instance.
//
// Threading: one per shard, used on its thread only (realtime::hub posts to it).

#include "socketio/socket.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace senna::realtime {

/** One shard's authenticated sockets by user id (canonical text). */
class local_users {
public:
    void add(const std::string& user, const std::shared_ptr<socketio::socket>& s);
    void remove(const std::string& user, const socketio::socket* s);
    /** All of `user`'s sockets on this shard join (or leave) `room`; returns how many. */
    std::size_t apply(const std::string& user, const std::string& room, bool join);
    std::size_t sockets_of(const std::string& user) const;
    /** `user`'s connected sockets on this shard (a copy: the caller may disconnect them). */
    std::vector<std::shared_ptr<socketio::socket>> sockets(const std::string& user) const;

private:
    std::unordered_map<std::string, std::vector<std::weak_ptr<socketio::socket>>> users_;
};

} // namespace senna::realtime

#pragma once
// A socketio::session_store in memory, for the socketio unit tests and the conformance server
// (senna's own store keeps sessions and the log in Redis: realtime/recovery_store.hpp). Sessions
// by pid with the tag of the connection that keeps them; a log the test appends to. Guarded by a
// mutex: the conformance server's shards share one.

#include "socketio/socket.hpp"

#include <map>
#include <mutex>

namespace senna::test_support {

class memory_session_store final : public socketio::session_store {
public:
    struct entry {
        socketio::offset at;
        std::vector<std::string> rooms;
        socketio::frame frame; // with its offset appended
    };

    void keep(socketio::socket& s) override {
        std::lock_guard lock(mu_);
        s.store_tag = ++tags_;
        sessions_[s.pid()] = {s.snapshot(), s.store_tag, false};
    }
    void changed(socketio::socket& s) override {
        std::lock_guard lock(mu_);
        auto it = sessions_.find(s.pid());
        if (it != sessions_.end() && it->second.tag == s.store_tag)
            it->second.s = s.snapshot();
    }
    void closed(socketio::socket& s, bool recoverable) override {
        std::lock_guard lock(mu_);
        auto it = sessions_.find(s.pid());
        if (it == sessions_.end() || it->second.tag != s.store_tag)
            return;
        if (recoverable)
            it->second.closed = true;
        else
            sessions_.erase(it);
    }
    net::awaitable<std::optional<socketio::session>> take(std::string, std::string pid) override {
        std::lock_guard lock(mu_);
        auto it = sessions_.find(pid);
        if (it == sessions_.end())
            co_return std::nullopt;
        auto s = std::move(it->second.s);
        sessions_.erase(it);
        co_return s;
    }
    net::awaitable<std::optional<std::vector<socketio::frame>>>
    missed(std::string, std::vector<std::string> rooms, socketio::offset from) override {
        std::lock_guard lock(mu_);
        std::vector<socketio::frame> out;
        bool found = false;
        for (const auto& e : log_) {
            if (e.at == from)
                found = true;
            else if (e.at > from && found && receives(rooms, e.rooms))
                out.push_back(e.frame);
        }
        if (!found)
            co_return std::nullopt;
        co_return out;
    }

    /** Appends `f` (an event to `rooms`) to the log; returns its offset. */
    socketio::offset append(std::vector<std::string> rooms, std::string_view nsp,
                            std::string_view event, const boost::json::object& payload) {
        std::lock_guard lock(mu_);
        socketio::offset at{++clock_, 0};
        log_.push_back(
            {at, std::move(rooms), socketio::encode_event_frame(nsp, event, payload, at)});
        return at;
    }
    bool has(const std::string& pid) {
        std::lock_guard lock(mu_);
        return sessions_.contains(pid);
    }
    std::optional<socketio::session> peek(const std::string& pid) {
        std::lock_guard lock(mu_);
        auto it = sessions_.find(pid);
        if (it == sessions_.end())
            return std::nullopt;
        return it->second.s;
    }

private:
    static bool receives(const std::vector<std::string>& mine, const std::vector<std::string>& to) {
        for (const auto& r : mine)
            for (const auto& t : to)
                if (r == t)
                    return true;
        return false;
    }
    struct kept {
        socketio::session s;
        std::uint64_t tag = 0;
        bool closed = false;
    };
    std::mutex mu_;
    std::map<std::string, kept> sessions_;
    std::vector<entry> log_;
    std::uint64_t tags_ = 0;
    std::uint64_t clock_ = 1000;
};

} // namespace senna::test_support

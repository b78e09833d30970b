#pragma once
// Which rooms may have a member on some shard of this instance, readable from any thread, so
// that a broadcast nobody here can receive is neither encoded nor posted to every shard (a REST
// send to a user without a socket here was a tenth of the send's instructions).
//
// A counting filter: a fixed table of counters indexed by a hash of the name. A shard's
// namespace counts a room when it gets its first member there and uncounts it when the last
// one leaves, and counts each socket's id (a socket's own room) while it is connected. A room
// whose counter is 0 has no member on any shard; a counter above 0 means "maybe" (another name
// may share the slot). False "maybe"s cost only the work that was done before; there are no
// false "no"s. 65,536 slots (256 KB per instance): with 20,000 sockets, each in its user's
// room, about half the slots are in use, and a broadcast to a room without members is then
// still skipped about half the time.
//
// Threading: every call may come from any thread. A count made on one shard is seen by a
// check that starts after it on another (sequentially consistent atomics).

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace senna::socketio {

class room_census {
public:
    void add(std::string_view room) noexcept { slot(room).fetch_add(1); }
    void remove(std::string_view room) noexcept { slot(room).fetch_sub(1); }
    /** False only when no shard has a member of `room`. */
    bool maybe(std::string_view room) const noexcept { return slot(room).load() != 0; }
    /** False only when no shard has a member of any of `rooms`; true for none (a broadcast to
        every socket). */
    bool maybe_any(const std::vector<std::string>& rooms) const noexcept {
        if (rooms.empty())
            return true;
        for (const auto& r : rooms)
            if (maybe(r))
                return true;
        return false;
    }

private:
    static constexpr std::size_t slots = 1u << 16;
    std::atomic<std::uint32_t>& slot(std::string_view room) const noexcept {
        return counts_[std::hash<std::string_view>{}(room) & (slots - 1)];
    }
    mutable std::array<std::atomic<std::uint32_t>, slots> counts_{};
};

} // namespace senna::socketio

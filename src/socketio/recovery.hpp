#pragma once
// Connection state recovery as socket.io 4.6+ does it (its `connectionStateRecovery`; the wire
// is in ../shared/research/socketio-wire.md §1), with the storage behind an interface so that
// this module knows nothing of where sessions and the event log live (realtime keeps them in
// Redis, realtime/recovery_store.hpp):
//
//   S→C 40{"sid":"<sid>","pid":"<pid>"}          every v5 CONNECT reply carries a private id
//   S→C 42["ev",...,"<offset>"]                  a logged event carries its place in the log
//   -- the transport drops; the client reconnects, anywhere --
//   C→S 40{"pid":"<pid>","offset":"<last offset seen>",...auth}
//   S→C 42["missed",...,"<offset_i>"] (×N)       what it missed, in log order, once each
//   S→C 40{"sid":"<same sid>","pid":"<same pid>"}  socket.recovered === true on the client
//
// An offset comes from one log that every instance shares and orders the same way; events that
// are not logged (volatile, with an ack id, from a publisher that logs nothing) carry none. The
// client takes the last argument of any event as its offset when it is a string, so a socket
// appends its own last offset to an unlogged event whose last argument is a string (its
// `string_tail`), and the client's offset stays the last logged one it saw.
//
// The session (sid, pid, rooms, the layer above's data) is kept by the store while the socket
// lives, updated as its rooms change, so that a client that reconnects elsewhere before this
// server noticed the drop is restored all the same; `closed` then keeps it for the window, or
// drops it when the client left on purpose. A session is taken once.
//
// Threading: a store serves one shard (its server's); every call runs on that shard's thread.

#include "engineio/disconnect_reason.hpp"
#include "net/types.hpp"

#include <boost/json/value.hpp>

#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace senna::socketio {

class socket;
struct frame;

/** A logged event's place in the shared log: "<ms>-<seq>", a Redis stream id. Zero: not
    logged. Ordered as the log orders its entries. */
struct offset {
    std::uint64_t ms = 0;
    std::uint64_t seq = 0;

    bool logged() const noexcept { return ms != 0 || seq != 0; }
    /** "<ms>-<seq>". */
    std::string text() const;
    void append_to(std::string& out) const;
    /** Parses "<digits>-<digits>" (each at most 20 digits, no overflow); nullopt otherwise. */
    static std::optional<offset> parse(std::string_view s) noexcept;

    // NOLINTNEXTLINE(modernize-use-nullptr): a false finding on a defaulted <=> (its 0 literal)
    friend auto operator<=>(const offset&, const offset&) = default;
};

/** What a restore needs: kept by the store while the socket lives and for the window after. */
struct session {
    std::string sid;
    std::string pid;
    /** The rooms joined besides the socket's own (its id). */
    std::vector<std::string> rooms;
    /** What the layer above keeps of the socket (namespace_::session_data). */
    boost::json::value data;
};

class session_store {
public:
    virtual ~session_store() = default;
    /** A socket with a pid connected (fresh, or restored): keep its session from now on. */
    virtual void keep(socket& s) = 0;
    /** A kept socket's rooms or data changed. */
    virtual void changed(socket& s) = 0;
    /** A kept socket closed: its session stays for the window when `recoverable`, else goes.
        Does nothing when another server took the session meanwhile. */
    virtual void closed(socket& s, bool recoverable) = 0;
    /** Takes the session `pid` of namespace `nsp`, once: nullopt when there is none (never
        kept, expired, or taken already). */
    virtual net::awaitable<std::optional<session>> take(std::string nsp, std::string pid) = 0;
    /** Every logged event of `nsp` after `from` that a socket in `rooms` (its own id included)
        receives, in log order, each frame with its offset appended; nullopt when `from` is no
        longer in the log (the events after it cannot all be found). */
    virtual net::awaitable<std::optional<std::vector<frame>>>
    missed(std::string nsp, std::vector<std::string> rooms, offset from) = 0;
};

struct recovery_settings {
    /** How long a closed socket's session can be restored (SOCK_RECOVERY_WINDOW_MS); 0: no
        recovery, no pid, no offsets. */
    std::chrono::milliseconds window{0};
    /** Where sessions and the log live; null: no recovery. */
    session_store* store = nullptr;

    bool on() const noexcept { return store != nullptr && window.count() > 0; }
};

/** The disconnect reasons after which the reference keeps a session ("transport error",
    "transport close", "forced close", "ping timeout", "server shutting down"). */
bool recoverable_reason(engineio::disconnect_reason reason) noexcept;

/** A fresh private session id: 20 characters of base64url from the kernel's CSPRNG. */
std::string random_id();

} // namespace senna::socketio

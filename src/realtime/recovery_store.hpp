#pragma once
// Connection state recovery's storage in Redis (socketio/recovery.hpp's session_store), one per
// shard over that shard's connection (docs/storage.md, "Connection state recovery"):
//
//   <session prefix><pid>              string  the session while the socket lives (no expiry)
//                                              and for the window after it closed (PX window)
//   P:messages:D:instance:I:sessions   hash    pid -> record head: instance I's live sessions,
//                                              expired by the presence sweep if I dies
//   <log>                              stream  the event log (stream_codec.hpp): every logged
//                                              event, trimmed to the retention
//
// A record is base64 of MessagePack {o, sid, pid, rooms, data}: what
// @socket.io/redis-streams-adapter stores ({sid, pid, rooms, data}, rooms with the socket's own
// id) plus "o", 16 hex digits that name this connection, written first so that the record's
// first 28 base64 characters (its head) depend on nothing else. Every write compares the head:
// a record that another server took (and maybe keeps under its own head) is never touched by
// the connection that left it, however late that one notices its close.
//
// Threading: on its shard's thread, like the connection.

#include "net/types.hpp"
#include "socketio/recovery.hpp"
#include "util/metrics.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace senna::redis {
class connection;
class script;
} // namespace senna::redis

namespace senna::realtime {

/** Instance-wide counters (any shard updates them). */
struct recovery_stats {
    util::metrics::counter saved;    // sessions kept for the window after a close
    util::metrics::counter restored; // sessions restored
    util::metrics::counter expired;  // restores asked for that found no session or offset
    util::metrics::counter replayed; // missed packets sent by restores
    void render(std::string& out) const;
};

struct recovery_store_settings {
    std::string session_prefix; // "<SOCK_REDIS_PREFIX>:sio:session:"
    std::string registry;       // "P:messages:D:instance:<I>:sessions"
    std::string instances;      // "P:messages:D:instances" (the presence sweep's list)
    std::string instance_id;
    /** The cluster layout (docs/adr/0012-cluster-key-layout.md): the session and the registry
        are in different slots, so each script touches one and the registry's step follows. */
    bool split = false;
    std::string log; // the stream
    std::chrono::milliseconds window{120000};
    /** Entries read per XRANGE while replaying, and pages read at most. */
    std::size_t page = 500;
    std::size_t max_pages = 200;
};

class recovery_store final : public socketio::session_store {
public:
    recovery_store(redis::connection& redis, recovery_store_settings s, recovery_stats& stats);
    ~recovery_store() override;
    recovery_store(const recovery_store&) = delete;
    recovery_store& operator=(const recovery_store&) = delete;

    void keep(socketio::socket& s) override;
    void changed(socketio::socket& s) override;
    void closed(socketio::socket& s, bool recoverable) override;
    net::awaitable<std::optional<socketio::session>> take(std::string nsp,
                                                          std::string pid) override;
    net::awaitable<std::optional<std::vector<socketio::frame>>>
    missed(std::string nsp, std::vector<std::string> rooms, socketio::offset from) override;

    const recovery_store_settings& settings() const noexcept { return settings_; }

private:
    redis::connection& redis_;
    recovery_store_settings settings_;
    recovery_stats& stats_;
    std::unique_ptr<redis::script> keep_;
    std::unique_ptr<redis::script> change_;
    std::unique_ptr<redis::script> close_;
    std::unique_ptr<redis::script> unregister_; // the cluster layout's registry step
};

/** The record of `s` under connection tag `tag`. */
std::string encode_session(const socketio::session& s, std::uint64_t tag);
/** Its first 28 characters, which depend on `tag` only. */
std::string session_head(std::uint64_t tag);
/** A record from senna or from a Node server on the streams adapter; nullopt if unreadable. */
std::optional<socketio::session> decode_session(std::string_view record);

} // namespace senna::realtime

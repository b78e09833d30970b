#pragma once
// The entries of @socket.io/redis-streams-adapter 0.3.x (and @socket.io/redis-streams-emitter)
// in their Redis stream, which is also senna's event log for connection state recovery in both
// adapter modes (docs/adr/0004-connection-state-recovery.md). Sans-I/O and pure.
//
//   XADD <stream> MAXLEN ~ 10000 * uid <uid> nsp <nsp> type <n> data <data>
//
//   uid   the writer: a server's adapter id, "emitter" for the emitter, senna's instance id
//   type  the ClusterMessage type in decimal: "3" BROADCAST, "4" SOCKETS_JOIN,
//         "5" SOCKETS_LEAVE, "6" DISCONNECT_SOCKETS (what the adapter writes to the stream)
//   data  JSON.stringify(message.data), e.g. for a BROADCAST from a server
//           {"packet":{"type":2,"data":["ev",{...}]},"opts":{"rooms":["r"],"except":[],"flags":{}}}
//         (the emitter adds "nsp" to the packet and orders opts rooms, flags, except); base64 of
//         its MessagePack when it holds binary (readers test for a leading '{').
//
// The entry's id ("<ms>-<seq>") is the offset a receiver appends to a broadcast's data.

#include "redis/reply.hpp"
#include "socketio/packet.hpp"
#include "socketio/recovery.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace senna::realtime {

/** ClusterMessage types found in the stream (socket.io-adapter's MessageType). */
enum class cluster_type : int {
    broadcast = 3,
    sockets_join = 4,
    sockets_leave = 5,
    disconnect = 6
};

/** One entry as read back (XRANGE / XREAD). */
struct stream_entry {
    std::string id;
    std::string uid;
    std::string nsp;
    std::string type; // decimal
    std::string data;
};

/** The entries of an XRANGE reply; malformed ones are skipped. */
std::vector<stream_entry> parse_xrange(const redis::reply& r);
/** The entries of an XREAD reply for one stream (nil: none). */
std::vector<stream_entry> parse_xread(const redis::reply& r);

/** A decoded entry's data. */
struct cluster_message {
    cluster_type type = cluster_type::broadcast;
    /** broadcast: the packet's data (binary as placeholders for `attachments`), its ack id. */
    boost::json::value data;
    std::vector<std::string> attachments;
    std::optional<std::uint64_t> id;
    /** opts: the selection, and its flags ({} when absent). */
    std::vector<std::string> rooms;
    std::vector<std::string> except;
    boost::json::object flags;
    /** sockets_join / sockets_leave: the rooms to join or leave. */
    std::vector<std::string> target_rooms;
    /** disconnect: close the whole connection. */
    bool close = false;

    bool is_volatile() const;
};

/** Decodes an entry's data (JSON, or base64 MessagePack); refused when it is neither or lacks
    what its type needs. */
boost::system::result<cluster_message> decode_entry(const stream_entry& e);

/** A ClusterMessage's `data` of type 3..6 (BROADCAST .. DISCONNECT_SOCKETS), already parsed,
    binary parts as placeholders for `attachments` (what decode_entry and the sharded codec
    share). */
boost::system::result<cluster_message>
decode_cluster_data(int code, const boost::json::value& data,
                    std::vector<std::string> attachments = {});

/** The fields of a BROADCAST entry from `uid` in `nsp`, without the data field's value:
    "uid", uid, "nsp", nsp, "type", "3", "data". */
std::vector<std::string> broadcast_fields(std::string_view uid, std::string_view nsp);

/** JSON data of a BROADCAST of ["event", payload] to `rooms` minus `except`, byte for byte as a
    socket.io 4.8 server on the adapter writes it; `volatile_` adds {"volatile":true} to the
    flags. */
std::string broadcast_entry_data(std::string_view event, const boost::json::object& payload,
                                 std::span<const std::string> rooms,
                                 std::span<const std::string> except, bool volatile_ = false);
/** The same around `data`, the packet's data array as JSON (`["event",{...}]`), written once
    by the caller (who also sends it to its own sockets). */
std::string broadcast_entry_data(std::string_view data, std::span<const std::string> rooms,
                                 std::span<const std::string> except, bool volatile_ = false);
/** broadcast_entry_data(data, ...) is entry_head + data + broadcast_entry_tail(...). */
inline constexpr std::string_view entry_head = R"({"packet":{"type":2,"data":)";
std::string broadcast_entry_tail(std::span<const std::string> rooms,
                                 std::span<const std::string> except, bool volatile_ = false);
/** `["event",` : what event_array_json writes before the payload. */
void append_event_head(std::string_view event, std::string& out);
/** `["event",payload]` as JSON.stringify writes it. */
std::string event_array_json(std::string_view event, const boost::json::object& payload);

/** Whether a socket in `socket_rooms` (its own id included) receives a broadcast to `rooms`
    minus `except` (the adapter's shouldIncludePacket). */
bool receives(std::span<const std::string> socket_rooms, std::span<const std::string> rooms,
              std::span<const std::string> except);

/** The Socket.IO frame of a logged broadcast, its offset appended as the last argument. */
socketio::frame replay_frame(std::string_view nsp, cluster_message&& m, socketio::offset at);

} // namespace senna::realtime

#pragma once
// The wire format of @socket.io/redis-adapter 8.3's sharded adapter (createShardedAdapter,
// "dynamic" subscription mode; docs/adr/0015-sharded-pubsub.md): sans-I/O and pure.
//
// Channels, with `prefix` the adapter's channelPrefix (SOCK_REDIS_PREFIX):
//   <prefix>#<nsp>#          main: namespace-wide and multi-room broadcasts, requests
//   <prefix>#<nsp>#<uid>#    one server's responses
//   <prefix>#<nsp>#<room>#   a broadcast to exactly one room (not a 20-character one)
// (adapter_codec.hpp's broadcast_channel writes all three.)
//
// A message is JSON.stringify(ClusterMessage), keys in the order socket.io-adapter's
// ClusterAdapter builds them:
//   {"type":3,"data":{"packet":{"type":2,"data":["ev",{...}]},"opts":{"rooms":["r"],
//    "except":[],"flags":{}}},"uid":"<uid>","nsp":"/"}
// or notepack's MessagePack of the same object when it holds binary. A receiver tells them
// apart by the first byte: 0x7b ('{') is JSON.

#include "realtime/msgpack.hpp"
#include "realtime/stream_codec.hpp"

#include <boost/system/result.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace senna::realtime {

/** socket.io-adapter's MessageType values senna reads or writes besides 3..6 (cluster_type). */
enum class cluster_request : int {
    fetch_sockets = 7,
    fetch_sockets_response = 8,
    server_side_emit = 9,
    server_side_emit_response = 10,
    broadcast_client_count = 11,
};

/** Whether a one-room broadcast goes to the room's own channel: not for a room that looks like a
    socket id (20 characters: the adapter's looksLikeASocketId), which goes to main. */
bool has_own_channel(std::string_view room) noexcept;

/** A decoded message. */
struct sharded_message {
    int type = 0;
    std::string uid;
    std::string nsp;
    /** data.requestId when it is a string (requests, a broadcast with acknowledgements). */
    std::optional<std::string> request_id;
    /** Types 3..6: the data decoded as the streams adapter's entries are (stream_codec.hpp). */
    std::optional<cluster_message> message;
};

/**
 * Decodes a message received on any of the channels above. Refused (JSON's or msgpack's errors,
 * or msgpack::error::invalid_broadcast) unless it is an object with an integer type, a string
 * uid, a string nsp (absent: "/") and, for types 3..6, data as decode_cluster_data wants it.
 * Other types decode with their uid and request id only.
 */
boost::system::result<sharded_message> decode_sharded(std::string_view bytes,
                                                      const msgpack::limits& lim = {});

/** The BROADCAST of `data` (the packet's data array as JSON, e.g. `["ev",{...}]`) to `rooms`
    minus `except` from `uid` in "/": what a socket.io 4.8 server on the sharded adapter
    publishes for io.to(room).emit("ev", {...}). With `offset`, the data ends with it and the
    flags are {"logged":true} (adapter_codec.hpp's logged_flag). */
std::string encode_sharded_broadcast(std::string_view uid, std::string_view data,
                                     std::span<const std::string> rooms,
                                     std::span<const std::string> except,
                                     std::string_view offset = {});

/** How every JSON message from `uid` ends (`,"uid":"<uid>","nsp":"/"}`): a receiver drops its
    own messages by it before decoding them. */
std::string sharded_tail(std::string_view uid);

/** The response of `uid` to a request: FETCH_SOCKETS_RESPONSE with no sockets,
    SERVER_SIDE_EMIT_RESPONSE with a null packet, BROADCAST_CLIENT_COUNT of 0. */
std::string encode_sharded_response(std::string_view uid, cluster_request type,
                                    std::string_view request_id);

} // namespace senna::realtime

#pragma once
// The wire format of @socket.io/redis-adapter 8.3.0 (and @socket.io/redis-emitter 5.1.0, which
// publishes the same thing): sans-I/O and pure. Fixtures: tests/fixtures/msgpack/.
//
// Channels, with `prefix` the adapter's `key` ("socket.io" by default; SOCK_REDIS_PREFIX):
//   <prefix>#<nsp>#            a broadcast to a whole namespace, or to several rooms
//   <prefix>#<nsp>#<room>#     a broadcast to exactly one room
//   <prefix>-request#<nsp>#    requests (fetchSockets, socketsJoin, serverSideEmit...) and
//   <prefix>-response#<nsp>#   their answers: not handled here.
// An adapter PSUBSCRIBEs "<prefix>#<nsp>#*" and drops a one-room message for a room it has no
// socket in before decoding it.
//
// A broadcast message is notepack.encode([uid, packet, opts]):
//   uid     the publisher: 6 random characters per adapter (uid2(6)), "emitter" for the
//           emitter; an adapter drops messages carrying its own uid.
//   packet  {type: 2, data: [event, ...args], nsp: "/"}: the Socket.IO packet before
//           socket.io-parser encodes it, binary arguments as bin (Node Buffers) in place.
//           Receivers default a missing nsp to "/" and drop other namespaces.
//   opts    adapter: {rooms: [...], except: [...], flags: {...}}; emitter: {rooms, flags,
//           except} (same content, other key order); flags e.g. {volatile: true,
//           compress: false}; rooms may hold numbers (emitter.to(42)), which Socket.IO
//           treats as rooms of their own.

#include "realtime/msgpack.hpp"
#include "realtime/msgpack_json.hpp"
#include "socketio/packet.hpp"

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

/** socket.io-parser's placeholders ({"_placeholder":true,"num":i}, socketio/binary.hpp) as
    the msgpack JSON bridge's stand-ins for binary values. */
extern const msgpack::binary_slots socketio_placeholders;

/** The uid @socket.io/redis-emitter publishes under. */
inline constexpr std::string_view emitter_uid = "emitter";

/** "<prefix>#<nsp>#" or, with a room, "<prefix>#<nsp>#<room>#". */
std::string broadcast_channel(std::string_view prefix, std::string_view nsp,
                              std::optional<std::string_view> room = std::nullopt);

/** The adapter's request channel of a namespace, "<prefix>-request#<nsp>#": every
    @socket.io/redis-adapter SUBSCRIBEs it (and counts its servers there with PUBSUB NUMSUB);
    senna does not. */
std::string request_channel(std::string_view prefix, std::string_view nsp);

/** The channel every senna instance of `prefix` SUBSCRIBEs to be counted as a listener of the
    adapter's channels ("<prefix>-senna-listeners#"), and the one instance `id` SUBSCRIBEs
    besides, in the same command ("<prefix>-senna-listeners#<id>#"): nothing is published on
    either (docs/adr/0014-unheard-publications.md). */
std::string listeners_channel(std::string_view prefix);
std::string listener_channel(std::string_view prefix, std::string_view id);

/** The channel of the listeners' probe, "<prefix>#/#senna-listeners-probe#": a room channel
    that every adapter of the prefix hears and drops unread (no socket is in that room). */
std::string listeners_probe_channel(std::string_view prefix);

/** The PSUBSCRIBE pattern for every broadcast of a namespace: "<prefix>#<nsp>#*". Note that
    glob characters in prefix or nsp are not escaped (nor does the adapter escape them). */
std::string broadcast_pattern(std::string_view prefix, std::string_view nsp);

/**
 * The room a broadcast channel names, as the adapter reads it: "" for "<prefix>#<nsp>#",
 * "<room>" for "<prefix>#<nsp>#<room>#"; nullopt when `channel` is not under
 * "<prefix>#<nsp>#" (or does not end in '#').
 */
std::optional<std::string_view> channel_room(std::string_view channel, std::string_view prefix,
                                             std::string_view nsp);

/** A broadcast between instances. */
struct broadcast {
    std::string uid;
    socketio::packet_type type = socketio::packet_type::event;
    std::string nsp = "/";
    /** packet.id when present (the adapter's broadcastWithAck sets it, though it publishes
        those on the request channel). */
    std::optional<std::uint64_t> id;
    /** packet.data as JSON, binary parts replaced by {"_placeholder":true,"num":i} as
        socket.io-parser deconstructs them (msgpack::to_json), ready for socketio::packet. */
    boost::json::value data;
    std::vector<std::string> attachments;
    /** Rooms to reach (empty: every socket of the namespace), rooms whose sockets to skip;
        numbers are given in JavaScript's String(n) form. */
    std::vector<std::string> rooms;
    std::vector<std::string> except;
    /** opts.flags as sent ({} when absent); volatile, compress, local, timeout... */
    boost::json::object flags;

    friend bool operator==(const broadcast&, const broadcast&) = default;
};

/**
 * notepack.encode([uid, {type, data, nsp[, id]}, {rooms, except, flags}]), byte for byte what
 * the adapter publishes for the same broadcast. `data` holds placeholders for `attachments`
 * (socketio::packet's convention); they go out as bin in place, as the adapter sends Buffers.
 * A binary type (5, 6) is sent as is; the adapter itself sends 2 and lets the receiver's
 * socket.io-parser find the binary. Preconditions: as msgpack::from_json.
 */
std::string encode_broadcast(std::string_view uid, socketio::packet_type type, std::string_view nsp,
                             const boost::json::value& data, std::span<const std::string> rooms,
                             std::span<const std::string> except,
                             const boost::json::object& flags = {},
                             std::span<const std::string> attachments = {},
                             std::optional<std::uint64_t> id = std::nullopt);

/** encode_broadcast of the event packet ["event", payload] (no attachments, no id; with
    `last`, ["event", payload, last]), written without building that array: what hub publishes
    for every chat event. */
std::string encode_event_broadcast(std::string_view uid, std::string_view nsp,
                                   std::string_view event, const boost::json::object& payload,
                                   std::span<const std::string> rooms,
                                   std::span<const std::string> except,
                                   const boost::json::value* last = nullptr,
                                   const boost::json::object& flags = {});

/** The flag senna sets on a broadcast whose data ends with its offset in the event log
    (stream_codec.hpp): {"logged": true}. Other receivers ignore flags they do not know. */
inline constexpr std::string_view logged_flag = "logged";

/** encode_broadcast of a whole `broadcast`. */
std::string encode_broadcast(const broadcast& b);

/**
 * Decodes a message published on a broadcast channel. Refused (msgpack's errors, or
 * error::invalid_broadcast) unless: an array of at least 3 elements (more are ignored, as the
 * adapter ignores them); uid a str; packet a map with an integer type 0..6, nsp a str or
 * absent ("/"), id absent, nil or a non-negative integer; opts a map whose rooms and except
 * are absent, nil or arrays of str/numbers, and whose flags are absent, nil or a map.
 * The packet's data is not checked against its type: socketio::packet's consumers do that.
 */
boost::system::result<broadcast> decode_broadcast(std::string_view bytes,
                                                  const msgpack::limits& lim = {});

} // namespace senna::realtime

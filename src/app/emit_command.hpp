#pragma once
// `senna emit ROOM EVENT [JSON ...]`: an emitter for platforms, since @socket.io/redis-emitter
// has no sharded mode (docs/emit.md). It publishes one broadcast to the sockets in ROOM, once,
// as a Socket.IO server of the same deployment would:
//   - by default as @socket.io/redis-adapter 8.3's createShardedAdapter (dynamic mode) does:
//     SPUBLISH of JSON.stringify(ClusterMessage) on the room's channel "<prefix>#<nsp>#<room>#",
//     or on the namespace's main channel "<prefix>#<nsp>#" when the room looks like a socket id
//     (20 UTF-16 code units), which dynamic mode does not subscribe per room;
//   - with --classic as @socket.io/redis-emitter does for the classic adapter: PUBLISH of the
//     notepack array [uid, packet, opts] on "<prefix>#<nsp>#<room>#" (realtime/adapter_codec).
// The Redis is the server's: SOCK_REDIS_CLUSTER, SOCK_REDIS_URL, SOCK_REDIS_HOST/PORT (or the
// managed one in SOCK_DATA_DIR), read with the server's own rules; the channel prefix is
// SOCK_REDIS_PREFIX (the server's adapter prefix), or --prefix. On a Redis Cluster the
// (S)PUBLISH goes to the node that owns the channel's slot (ADR 0013).

#include "config/load.hpp"

#include <boost/json/value.hpp>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace senna::app {

struct emit_outcome {
    int status = 0;  // 0 published; 1 Redis unreachable or refused it; 2 bad arguments
    std::string out; // the number of receivers Redis reported, and a newline
    std::string err; // one line "senna emit: ..." when status != 0, or a warning (SOCK_ADAPTER
                     // names an adapter that does not hear this format)
};

/** `args`: what follows "emit" on the command line; `env`: the deployment's settings. */
emit_outcome emit_command(const std::vector<std::string>& args, const config::env_lookup& env);

std::string emit_usage();

/**
 * The sharded adapter's channel for a broadcast to the one room `room` in dynamic mode: the
 * room's "<prefix>#<nsp>#<room>#", or the main channel "<prefix>#<nsp>#" when `room` is 20
 * UTF-16 code units long (JavaScript's room.length === 20: it may be a socket id).
 * Precondition: `room` is UTF-8.
 */
std::string sharded_room_channel(std::string_view prefix, std::string_view nsp,
                                 std::string_view room);

/**
 * JSON.stringify of the ClusterMessage the sharded adapter publishes for
 * `io.of(nsp).to(room).emit(event, ...args)`, byte for byte but for the uid:
 * {"type":3,"data":{"packet":{"type":2,"data":[event,...args]},"opts":{"rooms":[room],
 * "except":[],"flags":{}}},"uid":uid,"nsp":nsp}. Preconditions: UTF-8 strings.
 */
std::string sharded_broadcast(std::string_view uid, std::string_view nsp, std::string_view room,
                              std::string_view event, std::span<const boost::json::value> args);

} // namespace senna::app

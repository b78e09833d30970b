#pragma once
// What an instrument (the Socket.IO Admin UI, src/admin/) sees of one shard's Socket.IO
// traffic: clients opening and closing, messages in and out, sockets joining and leaving
// namespaces and rooms, events received and sent. A server without an observer (the default)
// pays one pointer test per hook and calls nothing.
//
// Threading: every call is made on the server's shard, synchronously, from inside the server;
// an implementation must not throw, must not re-enter the server (join, emit, disconnect), and
// should only record or queue.

#include <boost/json/array.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace senna::socketio {

class client;
class socket;
struct event;
struct frame;

class observer {
public:
    virtual ~observer() = default;

    /** An Engine.IO session got its Socket.IO client; it closed for `reason`. */
    virtual void client_opened(const client&) {}
    virtual void client_closed(const client&, std::string_view /*reason*/) {}
    /** One message from / to a client (a Socket.IO packet or an attachment), its size. */
    virtual void message_in(std::size_t /*bytes*/) {}
    virtual void message_out(std::size_t /*bytes*/) {}

    /** A socket joined its namespace: before the namespace's connection handlers run, while
        its handshake is still there. */
    virtual void connected(socket&) {}
    virtual void disconnected(socket&, std::string_view /*reason*/) {}
    /** Rooms besides the socket's own. */
    virtual void joined(socket&, const std::string& /*room*/) {}
    virtual void left(socket&, const std::string& /*room*/) {}

    /** A client's EVENT, before its handler runs. */
    virtual void event_in(socket&, const event&) {}
    /** An EVENT emitted to one socket (name and arguments), or a broadcast frame queued for
        it (encoded once for all its receivers: the same frame comes for each). */
    virtual void event_out(socket&, std::string_view /*name*/, const boost::json::array&) {}
    virtual void frame_out(socket&, const frame&) {}
};

} // namespace senna::socketio

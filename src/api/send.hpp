#pragma once
// A new message, stored and delivered: the one path behind REST's POST /api/:target/:id and the
// socket's `send-message`. The fan-out to other instances rides in the write's own MULTI (they
// see the event exactly when, and only if, the message is stored, before the caller answers);
// this instance's sockets get it once the write succeeded.

#include "chat/service.hpp"
#include "net/types.hpp"

#include <boost/json/object.hpp>

namespace senna::realtime {
class hub;
}

namespace senna::api {

/** Sends `body` from `me` into `chat`; on success, the message as SPEC §3 shows it (the
    `entry`). `hub` may be null (no realtime). */
net::awaitable<chat::outcome<boost::json::object>>
send_and_deliver(chat::service& chats, const realtime::hub* hub, const chat::id& me,
                 const chat::chat_ref& chat, const boost::json::object& body);

} // namespace senna::api

#include "api/send.hpp"

#include "api/format.hpp"
#include "realtime/hub.hpp"

namespace senna::api {

net::awaitable<chat::outcome<boost::json::object>>
send_and_deliver(chat::service& chats, const realtime::hub* hub, const chat::id& me,
                 const chat::chat_ref& chat, const boost::json::object& body) {
    boost::json::object entry;
    const chat::service::with_write fan_out = [&](const chat::message& m, redis::request& r) {
        entry = message_json(m);
        if (hub)
            hub->publications("new-message", me, chat, entry, r);
    };
    auto sent = co_await chats.send(me, chat, body, fan_out);
    if (!sent)
        co_return sent.failure();
    if (hub)
        hub->deliver_local("new-message", me, chat, entry);
    co_return entry;
}

} // namespace senna::api

#pragma once
// A Redis pub/sub connection for one executor. It remembers its channels and patterns and
// subscribes to them again after every reconnect, so a caller subscribes once and keeps
// receiving across Redis restarts (messages published while disconnected are lost: that is
// pub/sub's contract).
//
// Threading: not thread-safe; call it on its executor's thread. The handler runs on that
// thread, inside the read loop: it must not block, and must not call set_handler().

#include "net/types.hpp"
#include "redis/endpoint.hpp"
#include "redis/options.hpp"

#include <functional>
#include <memory>
#include <string_view>

namespace senna::redis {

class subscriber {
public:
    /** `pattern` is empty for a message from SUBSCRIBE, the matching pattern for PSUBSCRIBE. */
    using handler = std::function<void(std::string_view channel, std::string_view pattern,
                                       std::string_view payload)>;

    subscriber(net::executor ex, endpoint ep, connection_options opts = {});
    /** Calls stop(). */
    ~subscriber();
    subscriber(const subscriber&) = delete;
    subscriber& operator=(const subscriber&) = delete;

    void set_handler(handler h);

    /** Adds to the remembered set; sent at once when connected, else on the next connect. */
    void subscribe(std::string_view channel);
    void psubscribe(std::string_view pattern);
    void unsubscribe(std::string_view channel);
    void punsubscribe(std::string_view pattern);

    /** Spawns the connect / subscribe / reconnect loop (once). */
    void start();
    /** Ends it for good; the object may be destroyed right after. */
    void stop();
    /**
     * True once the subscriptions remembered at connect time are confirmed (a PING sent after
     * them was answered), until the connection fails.
     */
    bool connected() const noexcept;

    struct impl;

private:
    std::shared_ptr<impl> impl_;
};

} // namespace senna::redis

#pragma once
// A Redis pub/sub connection for one executor. It remembers its channels and patterns and
// subscribes to them again after every reconnect, so a caller subscribes once and keeps
// receiving across Redis restarts (messages published while disconnected are lost: that is
// pub/sub's contract).
//
// The sharded flavour (Redis 7's sharded pub/sub, ADR 0015) SSUBSCRIBEs / SUNSUBSCRIBEs its
// channels, one command per channel (each may be in another slot), delivers `smessage`s, and
// reports a channel the server dropped by itself (an unrequested `sunsubscribe`: its slot moved,
// or a failover demoted this node; or a MOVED answer to SSUBSCRIBE) to the lost handler, having
// forgotten it: sharded_subscriber.hpp subscribes it again where the slot now lives.
//
// Threading: not thread-safe; call it on its executor's thread. The handlers run on that
// thread, inside the read loop: they must not block, and must not call set_handler().

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

    /** `channel` was dropped by the server (sharded flavour only); no longer remembered. */
    using lost_handler = std::function<void(std::string_view channel)>;

    enum class flavour { classic, sharded };

    subscriber(net::executor ex, endpoint ep, connection_options opts = {},
               flavour f = flavour::classic);
    /** Calls stop(). */
    ~subscriber();
    subscriber(const subscriber&) = delete;
    subscriber& operator=(const subscriber&) = delete;

    void set_handler(handler h);
    void set_lost_handler(lost_handler h);

    /** Adds to the remembered set; sent at once when connected, else on the next connect.
        The sharded flavour sends SSUBSCRIBE / SUNSUBSCRIBE and has no patterns. */
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
    /** The channels remembered (subscribed, or to be at the next connect). */
    std::size_t channels() const noexcept;

    struct impl;

private:
    std::shared_ptr<impl> impl_;
};

} // namespace senna::redis

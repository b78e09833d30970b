#pragma once
// Binary attachments, sans-I/O. A BINARY_EVENT / BINARY_ACK travels as a text header whose
// JSON holds {"_placeholder":true,"num":i} where the i-th binary part belongs, followed by the
// parts as that many binary Engine.IO messages:
//
//   451-["baz",{"_placeholder":true,"num":0}]   then   <01 02 03 04>
//
// We keep the placeholders in the JSON and the parts in packet::attachments (placeholder i
// stands for attachments[i]); handlers that care about binary look them up, the rest never pay
// for a rewrite of the JSON tree.

#include "socketio/packet.hpp"

#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

namespace senna::socketio {

/** {"_placeholder":true,"num":num}, the stand-in for attachments[num]. */
boost::json::value make_placeholder(std::size_t num);

/** True when `v` is an object whose "_placeholder" is `true` (the reference's test). */
bool is_placeholder(const boost::json::value& v) noexcept;

/** The `num` of a placeholder when it is an integer below `count` (a double counts if it is
    integral, since JSON does not distinguish 0 from 0.0); nullopt otherwise. */
std::optional<std::size_t> placeholder_index(const boost::json::value& v,
                                             std::size_t count) noexcept;

/** True when every placeholder anywhere in `data` has a valid placeholder_index for `count`
    attachments (what the reference's reconstructPacket checks). Recurses: nesting bounded by
    the parser's max_depth. */
bool placeholders_valid(const boost::json::value& data, std::size_t count) noexcept;

/**
 * Collects the attachments of one binary packet. Not thread-safe; one per connection, owned
 * by whoever owns the connection's read side.
 */
class reconstructor {
public:
    explicit reconstructor(limits lim = {}) : limits_(lim) {}

    /** A binary packet is waiting for attachments. */
    bool busy() const noexcept { return header_ != nullptr; }
    const limits& bounds() const noexcept { return limits_; }

    /**
     * Starts on a header fresh from `decode` (a binary packet, pending_attachments > 0).
     * Precondition: !busy(). A header with pending_attachments == 0 is already complete and
     * needs no reconstructor.
     */
    void start(packet header);

    /**
     * Adds the next attachment. Returns the complete packet (pending_attachments 0,
     * attachments in order) with the last one, nullopt before it. Errors, after which the
     * reconstructor is idle again: unexpected_binary (not busy), attachments_too_large.
     */
    boost::system::result<std::optional<packet>> feed(std::string_view bytes);

    /** Drops a partial packet. */
    void reset() noexcept;

private:
    limits limits_;
    std::unique_ptr<packet> header_; // a binary packet waiting for its attachments (rare)
    std::size_t bytes_ = 0;
};

/**
 * The whole receive side of a Socket.IO connection: feed it every Engine.IO message in order,
 * get complete packets back (as socket.io-parser's Decoder#add). Not thread-safe.
 */
class decoder {
public:
    explicit decoder(limits lim = {}) : reconstructor_(lim) {}

    /**
     * A text message: a complete packet, or nullopt when it is a binary header whose
     * attachments are to come. Errors: those of `decode`, unexpected_text (attachments
     * were still expected).
     */
    boost::system::result<std::optional<packet>> on_text(std::string_view text);

    /** A binary message: see reconstructor::feed. */
    boost::system::result<std::optional<packet>> on_binary(std::string_view bytes);

    /** A binary packet still waits for attachments. */
    bool busy() const noexcept { return reconstructor_.busy(); }

    /** Drops a partial packet (a new connection, or after an error if the caller goes on). */
    void reset() noexcept { reconstructor_.reset(); }

private:
    reconstructor reconstructor_; // holds the limits too: one copy per connection
};

} // namespace senna::socketio

#pragma once
// Sans-I/O RESP2 reader over hiredis's `redisReader`: bytes in, replies out (appended to a
// `replies` owner, reply.hpp), no sockets,
// clocks or exceptions. The server is trusted more than a client, but a broken or hostile peer
// must still not crash us or make us allocate without bound, hence `reader_limits`.

#include "redis/reply.hpp"

#include <boost/system/result.hpp>

#include <cstddef>
#include <memory>
#include <string_view>

namespace senna::redis {

struct reader_limits {
    /** Largest bulk string accepted; Redis's own proto-max-bulk-len default is 512 MiB. */
    std::size_t max_bulk = 512u * 1024 * 1024;
    /** Most elements in one array; 16 Mi covers any sane HGETALL/LRANGE. Arrays grow as
     *  elements arrive, so memory follows the bytes received, not the announced size. */
    std::size_t max_elements = 16u * 1024 * 1024;
};

class reader {
public:
    explicit reader(reader_limits limits = {});
    ~reader();
    reader(reader&&) noexcept;
    reader& operator=(reader&&) noexcept;

    /** Appends bytes received from the server. Errors surface at the next `next()`. */
    void feed(std::string_view bytes);

    /**
     * Appends the next complete reply to `out` and returns true, or returns false if more
     * bytes are needed; error::protocol_error on malformed input or a reply over the limits.
     * After an error the reader stays failed until `reset()`. `out` is only touched when a
     * reply is complete, so it may differ from one call to the next.
     */
    boost::system::result<bool> next(replies& out);

    /** Drops buffered bytes and any error: the state of a fresh reader (for a new connection). */
    void reset();

    /** Bytes fed but not consumed yet. */
    std::size_t buffered() const noexcept;

    /** hiredis's description of the last protocol error, empty if none. */
    std::string_view last_error() const noexcept;

private:
    struct state;
    std::unique_ptr<state> state_;
};

} // namespace senna::redis

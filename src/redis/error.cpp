#include "redis/error.hpp"

#include "util/error.hpp"

namespace senna::redis {

std::string_view describe(error e) {
    switch (e) {
    case error::not_connected:
        return "not connected to redis";
    case error::connection_lost:
        return "redis connection lost";
    case error::timeout:
        return "redis command timed out";
    case error::protocol_error:
        return "redis protocol error";
    case error::too_large:
        return "redis request queue full";
    case error::stopped:
        return "redis client stopped";
    case error::handshake_failed:
        return "redis handshake failed";
    }
    return "unknown redis error";
}

const boost::system::error_category& error_category() {
    static const util::enum_error_category<error> category("senna.redis");
    return category;
}

} // namespace senna::redis

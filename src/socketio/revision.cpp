#include "socketio/revision.hpp"

#include <boost/json/object.hpp>

#include <utility>

namespace senna::socketio {

namespace_parts split_namespace(std::string_view nsp) noexcept {
    const auto q = nsp.find('?');
    if (q == std::string_view::npos)
        return {nsp, {}};
    return {nsp.substr(0, q), nsp.substr(q + 1)};
}

packet connect_ack(std::string_view nsp, std::string_view socket_id, revision r,
                   std::string_view pid) {
    packet p;
    p.type = packet_type::connect;
    p.nsp.assign(nsp);
    if (r == revision::v5) {
        boost::json::object o{{"sid", socket_id}};
        if (!pid.empty())
            o.emplace("pid", pid);
        p.data = std::move(o);
    }
    return p;
}

packet connect_error(std::string_view nsp, std::string_view message, boost::json::value data,
                     revision r) {
    packet p;
    p.type = packet_type::connect_error;
    p.nsp.assign(nsp);
    if (r == revision::v4) {
        p.data = data.is_null() ? boost::json::value(message) : std::move(data);
        return p;
    }
    boost::json::object body{{"message", message}};
    if (!data.is_null())
        body.emplace("data", std::move(data));
    p.data = std::move(body);
    return p;
}

} // namespace senna::socketio

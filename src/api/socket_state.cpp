#include "api/realtime_edge.hpp"
#include "util/strings.hpp"

#include <any>
#include <chrono>

namespace senna::api::edge {

state_ptr state_of(socketio::socket& s) {
    if (auto* p = std::any_cast<state_ptr>(&s.data))
        return *p;
    auto st = std::make_shared<socket_state>();
    st->owner = &s;
    s.data = st;
    return st;
}

net::timer_wheel& wheel_of(socketio::socket& s) {
    return s.nsp().owner().engine().wheel();
}

std::int64_t now_unix() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string nonempty(const boost::json::value* v) {
    if (!v || !v->is_string())
        return {};
    return std::string(util::trim(std::string_view(v->get_string())));
}

boost::json::array ack_args(boost::json::object o) {
    boost::json::array a;
    a.push_back(std::move(o));
    return a;
}

} // namespace senna::api::edge

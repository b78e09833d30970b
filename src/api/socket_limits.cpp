// The abuse limits at the socket edge (docs/limits.md): sockets per user on this instance and
// the per-socket event rate with its budget of refusals.
#include "api/realtime_edge.hpp"
#include "util/log.hpp"

namespace senna::api::edge {

bool take_socket_slot(socket_state& st, const realtime_services& s) {
    if (!s.limits || st.slot)
        return true;
    auto slot = s.limits->acquire_socket(st.user->text);
    if (!slot) {
        util::metrics::count(s.auth.refusals, util::metrics::refusal::socket_too_many_sockets);
        return false;
    }
    st.slot.emplace(std::move(slot));
    return true;
}

// The per-socket event rate (docs/limits.md): true when the event may run. Otherwise an event
// that wants an ack gets RATE_LIMITED and one that does not is dropped; refusals have a budget
// of their own (10 x the burst, refilled at the event rate) and a socket that exhausts it, a
// flood rather than an eager client, is disconnected.
bool admit_event(socketio::socket& sock, socket_state& st, const realtime_services& s,
                 const socketio::ack_fn& ack) {
    if (!s.limits)
        return true;
    const util::rate& r = s.limits->settings().socket_events;
    const auto now = util::rate_clock::now();
    if (st.events.take(r, now).allowed)
        return true;
    const util::rate refusal_budget{r.per_second, 10 * r.burst};
    if (!st.refusals.take(refusal_budget, now).allowed) {
        util::metrics::count(s.auth.refusals, util::metrics::refusal::socket_flood);
        log::warn("socket_flood",
                  {{"socket", sock.id()}, {"user", st.user ? st.user->text : std::string("-")}});
        sock.disconnect(true);
        return false;
    }
    util::metrics::count(s.auth.refusals, util::metrics::refusal::socket_events_rate_limited);
    ack(ack_args(ack_error(client_error::rate_limited, "Too many events - please slow down")));
    return false;
}

} // namespace senna::api::edge

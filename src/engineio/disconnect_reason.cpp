#include "engineio/disconnect_reason.hpp"

#include "websocket/frame.hpp"

#include <array>
#include <utility>

namespace senna::engineio {

namespace {

namespace cc = websocket::close_code;
using enum disconnect_reason;

// In the order of the enum (checked below).
constexpr std::array<std::pair<disconnect_reason, disconnect_info>, 9> table{{
    {transport_close, {"transport close", 0, true}},
    {transport_error, {"transport error", 0, true}},
    // Sending the same bytes again fails again.
    {parse_error, {"parse error", 0, false}},
    {ping_timeout, {"ping timeout", 0, true}},
    // A slow reader may catch up on a fresh connection (centrifuge's DisconnectSlow).
    {slow_consumer, {"slow consumer", 0, true}},
    // The server decided (a flood, no authentication in time): socket.io-client does not
    // reconnect after "io server disconnect" either.
    {forced_close, {"forced close", cc::normal, false}},
    // Another instance, or this one restarted, will take it.
    {server_shutting_down, {"server shutting down", cc::going_away, true}},
    {client_namespace_disconnect, {"client namespace disconnect", 0, false}},
    {server_namespace_disconnect, {"server namespace disconnect", 0, false}},
}};

constexpr bool in_enum_order() {
    for (std::size_t i = 0; i < table.size(); ++i)
        if (static_cast<std::size_t>(table[i].first) != i)
            return false;
    return true;
}
static_assert(in_enum_order(), "disconnect_reason table rows must follow the enum");
static_assert(table.size() == static_cast<std::size_t>(server_namespace_disconnect) + 1);

} // namespace

const disconnect_info& info(disconnect_reason r) noexcept {
    return table[static_cast<std::size_t>(r)].second;
}

} // namespace senna::engineio

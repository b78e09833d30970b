#pragma once
// The seed's control channel (SPEC §5, `messages:events`): the platform publishes
// {"type": "join-room" | "leave-room", "user_id": U, "room": R} and every socket of U on every
// instance joins or leaves R. realtime::hub subscribes and hands each message here.

#include <string_view>

namespace senna::realtime {
class hub;
}

namespace senna::api {

/** Applies one control-channel message through `h` (hub::move); false when it is not one. */
bool apply_control(const realtime::hub& h, std::string_view payload);

} // namespace senna::api

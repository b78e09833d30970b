// The table of disconnect reasons (engineio/disconnect_reason.hpp): the reference's names, and
// the close frames the server sends.

#include "engineio/disconnect_reason.hpp"

#include <gtest/gtest.h>

using senna::engineio::disconnect_reason;
using senna::engineio::info;
using senna::engineio::to_string;

TEST(disconnect_reason, names_are_the_references) {
    EXPECT_EQ(to_string(disconnect_reason::transport_close), "transport close");
    EXPECT_EQ(to_string(disconnect_reason::transport_error), "transport error");
    EXPECT_EQ(to_string(disconnect_reason::parse_error), "parse error");
    EXPECT_EQ(to_string(disconnect_reason::ping_timeout), "ping timeout");
    EXPECT_EQ(to_string(disconnect_reason::slow_consumer), "slow consumer");
    EXPECT_EQ(to_string(disconnect_reason::forced_close), "forced close");
    EXPECT_EQ(to_string(disconnect_reason::server_shutting_down), "server shutting down");
    EXPECT_EQ(to_string(disconnect_reason::client_namespace_disconnect),
              "client namespace disconnect");
    EXPECT_EQ(to_string(disconnect_reason::server_namespace_disconnect),
              "server namespace disconnect");
}

TEST(disconnect_reason, close_frames_and_reconnects) {
    EXPECT_EQ(info(disconnect_reason::forced_close).ws_close_code, 1000);
    EXPECT_EQ(info(disconnect_reason::server_shutting_down).ws_close_code, 1001);
    EXPECT_EQ(info(disconnect_reason::slow_consumer).ws_close_code, 0);
    EXPECT_TRUE(info(disconnect_reason::server_shutting_down).reconnect);
    EXPECT_TRUE(info(disconnect_reason::slow_consumer).reconnect);
    EXPECT_FALSE(info(disconnect_reason::forced_close).reconnect);
}

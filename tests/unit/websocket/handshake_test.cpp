// The handshake's pure parts (websocket/handshake.hpp): RFC 6455 4.2.2's Sec-WebSocket-Accept
// example, the keys a server refuses, the 101 response.

#include "websocket/handshake.hpp"

#include <gtest/gtest.h>

using namespace senna::websocket;

TEST(websocket_handshake, rfc_example_key) {
    // RFC 6455 1.3 and 4.2.2.
    EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(websocket_handshake, key_is_trimmed_of_spaces_and_tabs) {
    EXPECT_EQ(accept_key(" \tdGhlIHNhbXBsZSBub25jZQ==\t "), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(websocket_handshake, keys_that_are_not_16_bytes_of_base64_are_refused) {
    for (const std::string_view bad : {
             "", "   ",
             "dGhlIHNhbXBsZSBub25jZQ=",      // 23 characters
             "dGhlIHNhbXBsZSBub25jZQ",       // no padding
             "dGhlIHNhbXBsZSBub25jZQ===",    // 25 characters
             "dGhlIHNhbXBsZSBub25jZQo=",     // 17 bytes
             "dGhlIHNhbXBsZSBub25jZQoK",     // 18 bytes
             "dGhlIHNhbXBsZSBub25j",         // 15 bytes
             "dGhlIHNhbXBsZSBub25jZQ==AAAA", // 19 bytes after the padding
             "dGhlIHNhbXBsZSBub25j*Q==",     // not base64
             "dGhlIHNhbXBsZSBub2 jZQ==",     // a space inside
             "dGhlIHNhbXBs=SBub25jZQ==",     // padding inside
             "dGhlIHNhbXBsZSBub25jZQ-_",     // url alphabet
         })
        EXPECT_EQ(accept_key(bad), std::nullopt) << bad;
}

TEST(websocket_handshake, switching_protocols) {
    EXPECT_EQ(switching_protocols("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
              "HTTP/1.1 101 Switching Protocols\r\n"
              "Upgrade: websocket\r\n"
              "Connection: Upgrade\r\n"
              "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
              "\r\n");
    EXPECT_EQ(switching_protocols("abc", "Set-Cookie: io=x\r\nX-A: b\r\n"),
              "HTTP/1.1 101 Switching Protocols\r\n"
              "Upgrade: websocket\r\n"
              "Connection: Upgrade\r\n"
              "Sec-WebSocket-Accept: abc\r\n"
              "Set-Cookie: io=x\r\nX-A: b\r\n"
              "\r\n");
}

#pragma once
// websocket: the pure parts of the RFC 6455 opening handshake (section 4.2.2), server side:
// the Sec-WebSocket-Accept value and the 101 response. Checking the rest of the upgrade request
// (method, Upgrade, Connection, Sec-WebSocket-Version: 13) is the HTTP layer's part.

#include <optional>
#include <string>
#include <string_view>

namespace senna::websocket {

/** Sec-WebSocket-Accept for a client's Sec-WebSocket-Key:
    base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")). nullopt when the key is not the
    (padded, standard) base64 of exactly 16 bytes after trimming spaces/tabs (RFC 6455 4.2.1
    item 5), which the server answers with 400; also, never expected, when libcrypto fails. */
std::optional<std::string> accept_key(std::string_view client_key);

/** The whole 101 response: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n
    Connection: Upgrade\r\nSec-WebSocket-Accept: <accept>\r\n" + extra_headers (each already
    "Name: value\r\n") + "\r\n". No Sec-WebSocket-Extensions: no extension is supported. */
std::string switching_protocols(std::string_view accept, std::string_view extra_headers = {});

} // namespace senna::websocket

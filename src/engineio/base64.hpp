#pragma once
// Standard base64 (RFC 4648 §4) as Engine.IO carries binary packets in text: `b` + base64 in
// polling payloads, and in WebSocket text frames for clients that asked for `b64=1`.

#include <optional>
#include <string>
#include <string_view>

namespace senna::engineio {

/** Appends the padded base64 of `bytes` to `out` (what Buffer#toString("base64") writes). */
void base64_encode(std::string_view bytes, std::string& out);

/**
 * Appends the bytes `text` encodes to `out`; false (and `out` unspecified) on anything but
 * [A-Za-z0-9+/] with optional `=` padding to a multiple of 4. Forgiving where browsers' atob
 * is (non-zero bits after the last byte are dropped, padding may be omitted) because clients
 * differ there; strict about foreign characters and whitespace, which no client sends.
 */
bool base64_decode(std::string_view text, std::string& out);

} // namespace senna::engineio

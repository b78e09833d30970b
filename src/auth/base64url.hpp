#pragma once
// base64url without padding (RFC 4648 §5, as JWS uses it: RFC 7515 §2).

#include <optional>
#include <string>
#include <string_view>

namespace senna::auth {

/** Encodes bytes as unpadded base64url. */
std::string base64url_encode(std::string_view bytes);

/**
 * Strict decode: only [A-Za-z0-9_-], no '=' padding, no whitespace, a length that is not 1
 * mod 4, and zero bits after the last whole byte (so each byte string has exactly one
 * accepted encoding and a token cannot be varied without changing its bytes). Returns
 * nullopt on any violation. The empty string decodes to the empty string.
 */
std::optional<std::string> base64url_decode(std::string_view text);

} // namespace senna::auth

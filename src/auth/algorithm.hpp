#pragma once
// The JWS algorithms senna verifies (RFC 7518 §3, RFC 8037 §3.1). The deployment pins exactly
// one of them; a token naming any other algorithm is rejected.

#include <optional>
#include <string_view>

namespace senna::auth {

enum class algorithm { hs256, hs384, hs512, rs256, rs384, rs512, es256, es384, eddsa };

/** Parses the exact JOSE name ("HS256" .. "ES384", "EdDSA"); case matters, "none" is nullopt. */
std::optional<algorithm> parse_algorithm(std::string_view name) noexcept;

/** The JOSE name, as it appears in a token's "alg" header. */
std::string_view algorithm_name(algorithm a) noexcept;

/** True for HS256/384/512, whose key is a shared secret rather than a public key. */
bool is_hmac(algorithm a) noexcept;

} // namespace senna::auth

#pragma once
// The Admin UI's secrets: random session ids and the SHA-256 under which Redis keeps them (a
// session id is a credential: Redis never holds it). password_matches (bcrypt) is declared in
// admin_ui.hpp, where the tests and app find it, and defined in credentials.cpp.

#include <cstddef>
#include <string>
#include <string_view>

namespace senna::admin {

/** `bytes` random bytes (getrandom), as lowercase hex. */
std::string random_hex(std::size_t bytes);
/** SHA-256 of `s`, as lowercase hex. */
std::string sha256_hex(std::string_view s);

} // namespace senna::admin

#pragma once
// Base64 in its two alphabets: standard (RFC 4648 §4, Engine.IO's binary-in-text packets) and
// url (§5, JWT segments). Pure and allocation-light: both append to a caller's string.

#include <string>
#include <string_view>

namespace senna::util {

enum class base64_alphabet { standard, url };

/** Appends the base64 of `bytes`; `pad` adds `=` up to a multiple of 4. */
void base64_encode(std::string_view bytes, base64_alphabet alphabet, bool pad, std::string& out);

enum class base64_mode {
    /** Exactly one accepted text per byte string: no `=`, no length of 1 mod 4, zero bits
     *  after the last whole byte (JWT: a token cannot be varied without changing its bytes). */
    canonical,
    /** As browsers' atob: optional `=` completing the last quantum, leftover bits dropped. */
    lenient,
};

/** Appends the decoded bytes; false (and `out` unspecified) on a foreign character or a
 *  violation of `mode`. Whitespace is foreign in both modes. */
bool base64_decode(std::string_view text, base64_alphabet alphabet, base64_mode mode,
                   std::string& out);

} // namespace senna::util

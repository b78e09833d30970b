#pragma once
// Small string helpers shared by every layer. Pure, no allocation unless a string is returned.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace senna::util {

/** ASCII case-insensitive equality (HTTP header names, tokens). */
bool iequals(std::string_view a, std::string_view b) noexcept;

/** Removes ASCII spaces and tabs at both ends. */
std::string_view trim(std::string_view s) noexcept;

/** Splits on a delimiter; empty pieces are kept. */
std::vector<std::string_view> split(std::string_view s, char delim);

std::string to_lower(std::string_view s);

/** Appends the decimal digits of `n` (std::to_chars: no locale, no allocation). */
template <class Integer> void append_integer(Integer n, std::string& out) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, r.ptr);
}

/** Appends `s` as a JSON string literal, escaped as JSON.stringify does (", \, and control
    characters; everything else, non-ASCII included, verbatim). Precondition: UTF-8 (for JSON;
    other bytes pass through as they are). */
void append_json_string(std::string_view s, std::string& out);

/**
 * Parses a whole string of ASCII digits into an unsigned integer: no sign, no spaces, no
 * overflow. Returns nullopt otherwise.
 */
std::optional<std::uint64_t> parse_uint(std::string_view s) noexcept;

/** The value of an ASCII hex digit, or -1. */
constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/** True when `s` is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF). ASCII
    runs are checked 8 bytes at a time. */
bool valid_utf8(std::string_view s) noexcept;

/**
 * For UTF-8 that arrives in pieces (WebSocket fragments): nullopt when no continuation could
 * make `s` well-formed; otherwise how many bytes (0-3) at its end begin a code point still
 * unfinished, each already checked as far as it goes (so "\xED\xA0" is nullopt: no third byte
 * can save a surrogate). Check the next piece from those bytes on. valid_utf8(s) is
 * utf8_unfinished(s) == 0.
 */
std::optional<std::size_t> utf8_unfinished(std::string_view s) noexcept;

} // namespace senna::util

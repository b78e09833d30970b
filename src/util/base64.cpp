#include "util/base64.hpp"

#include <array>
#include <cstdint>

namespace senna::util {

namespace {

constexpr std::string_view standard_chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view url_chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::uint8_t invalid = 0xff;

constexpr std::array<std::uint8_t, 256> make_decode_table(std::string_view chars) {
    std::array<std::uint8_t, 256> table{};
    for (auto& v : table)
        v = invalid;
    for (std::size_t i = 0; i < chars.size(); ++i)
        table[static_cast<unsigned char>(chars[i])] = static_cast<std::uint8_t>(i);
    return table;
}

constexpr auto standard_table = make_decode_table(standard_chars);
constexpr auto url_table = make_decode_table(url_chars);

std::uint32_t byte_at(std::string_view s, std::size_t i) {
    return static_cast<unsigned char>(s[i]);
}

} // namespace

void base64_encode(std::string_view bytes, base64_alphabet alphabet, bool pad, std::string& out) {
    const std::string_view chars = alphabet == base64_alphabet::url ? url_chars : standard_chars;
    out.reserve(out.size() + (bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t v =
            byte_at(bytes, i) << 16 | byte_at(bytes, i + 1) << 8 | byte_at(bytes, i + 2);
        out += chars[(v >> 18) & 63];
        out += chars[(v >> 12) & 63];
        out += chars[(v >> 6) & 63];
        out += chars[v & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const std::uint32_t v = byte_at(bytes, i) << 16;
        out += chars[(v >> 18) & 63];
        out += chars[(v >> 12) & 63];
        if (pad)
            out += "==";
    } else if (rest == 2) {
        const std::uint32_t v = byte_at(bytes, i) << 16 | byte_at(bytes, i + 1) << 8;
        out += chars[(v >> 18) & 63];
        out += chars[(v >> 12) & 63];
        out += chars[(v >> 6) & 63];
        if (pad)
            out += '=';
    }
}

bool base64_decode(std::string_view text, base64_alphabet alphabet, base64_mode mode,
                   std::string& out) {
    const auto& table = alphabet == base64_alphabet::url ? url_table : standard_table;
    if (mode == base64_mode::lenient && text.size() % 4 == 0) {
        // Padding is only legal when it completes the last quantum.
        std::size_t pad = 0;
        while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=')
            ++pad;
        text.remove_suffix(pad);
    }
    if (text.size() % 4 == 1)
        return false;
    out.reserve(out.size() + text.size() / 4 * 3 + 2);
    std::uint32_t acc = 0;
    int bits = 0;
    for (const char c : text) {
        const std::uint8_t v = table[static_cast<unsigned char>(c)];
        if (v == invalid)
            return false;
        acc = (acc << 6) | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
        acc &= (1u << bits) - 1; // keep only the bits not yet emitted
    }
    return mode == base64_mode::lenient || acc == 0;
}

} // namespace senna::util

#include "redis/slot.hpp"

#include <array>

namespace senna::redis {

namespace {

constexpr std::array<std::uint16_t, 256> make_table() {
    std::array<std::uint16_t, 256> t{};
    for (unsigned i = 0; i < 256; ++i) {
        auto c = static_cast<std::uint16_t>(i << 8);
        for (int b = 0; b < 8; ++b)
            c = static_cast<std::uint16_t>((c & 0x8000U) != 0 ? (c << 1) ^ 0x1021U : c << 1);
        t[i] = c;
    }
    return t;
}

constexpr auto table = make_table();

} // namespace

std::uint16_t crc16(std::string_view bytes) noexcept {
    std::uint16_t crc = 0;
    for (const char ch : bytes) {
        const auto byte = static_cast<unsigned char>(ch);
        crc = static_cast<std::uint16_t>((crc << 8) ^ table[((crc >> 8) ^ byte) & 0xFFU]);
    }
    return crc;
}

std::string_view hashed_part(std::string_view key) noexcept {
    const auto open = key.find('{');
    if (open == std::string_view::npos)
        return key;
    const auto close = key.find('}', open + 1);
    if (close == std::string_view::npos || close == open + 1)
        return key;
    return key.substr(open + 1, close - open - 1);
}

std::uint16_t key_slot(std::string_view key) noexcept {
    return static_cast<std::uint16_t>(crc16(hashed_part(key)) % slot_count);
}

} // namespace senna::redis

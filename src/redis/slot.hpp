#pragma once
// Redis Cluster's hash slot of a key (the cluster specification's "Keys distribution model"):
// CRC16 (XMODEM: polynomial 0x1021, initial value 0) of the key modulo 16384, where a key
// holding a non-empty `{tag}` hashes by the tag alone (the first `{` and the first `}` after
// it). Keys that must be written together, in one script or MULTI, share a tag.

#include <cstdint>
#include <string_view>

namespace senna::redis {

inline constexpr std::uint16_t slot_count = 16384;

/** CRC16-XMODEM of `bytes`, as Redis Cluster computes it. */
std::uint16_t crc16(std::string_view bytes) noexcept;

/** The hash slot of `key`, honouring a `{tag}`. */
std::uint16_t key_slot(std::string_view key) noexcept;

/** The part of `key` that is hashed: its tag when it has a non-empty one, else all of it. */
std::string_view hashed_part(std::string_view key) noexcept;

} // namespace senna::redis

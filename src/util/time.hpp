#pragma once
// Wall-clock time as the seed stores it: epoch milliseconds and ISO-8601 strings
// ("2016-06-02T21:38:36.342Z", JavaScript's Date.prototype.toISOString).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace senna::util {

/** Milliseconds since the Unix epoch, now. */
std::int64_t now_ms() noexcept;

/** `2016-06-02T21:38:36.342Z` for an epoch in milliseconds (UTC, always with milliseconds). */
std::string iso8601(std::int64_t epoch_ms);
/** The same written into `out`, without allocating; returns its length. */
inline constexpr std::size_t iso8601_max = 48;
std::size_t iso8601(std::int64_t epoch_ms, std::span<char, iso8601_max> out);

/**
 * Parses what JavaScript's Date accepts from the seed's data: `YYYY-MM-DDTHH:MM[:SS[.fff]]`
 * followed by `Z` or `±HH:MM` (a missing zone is taken as UTC), `YYYY-MM-DD`, or a string of
 * digits (epoch milliseconds). Nullopt when it is none of these or out of range.
 */
std::optional<std::int64_t> parse_time(std::string_view text) noexcept;

/** Whether iso8601 of the time parse_time read from `text` writes `text` again: its layout is
    `YYYY-MM-DDTHH:MM:SS.fffZ`. Precondition: parse_time accepted `text` (so this looks only at
    what parse_time left open: a few separators, without scanning the digits again). */
bool written_as_iso8601(std::string_view text) noexcept;

} // namespace senna::util

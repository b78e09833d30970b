#pragma once
// Platform ids as text. senna handles user and topic ids as canonical text: a canonical
// positive integer up to 2^53-1 ("42", never "042" or "+42") is a numeric id, which the
// platform's JSON writes as a number; any other text is a string id. Pure, no I/O.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace senna::platform {

/** The largest integer a JavaScript platform can write exactly (Number.MAX_SAFE_INTEGER). */
inline constexpr std::uint64_t max_numeric_id = (std::uint64_t{1} << 53) - 1;

/** True for "1".."9007199254740991" without leading zeros or signs. */
bool is_numeric_id(std::string_view id) noexcept;

/**
 * The canonical text of an id found in a platform answer: an integral number in 1..2^53-1
 * (int64, uint64, or a double with no fraction) as decimal, a non-empty string as is.
 * nullopt for anything else (null, bool, 0, negatives, fractions, objects).
 */
std::optional<std::string> canonical_id(const boost::json::value& v);

/** The id as the platform writes it: a JSON number for a numeric id, a string otherwise. */
boost::json::value id_value(std::string_view id);

/** `{"id": ID}`: what a look-up answers for an id the platform did not (SPEC §6). */
boost::json::object fallback_object(std::string_view id);

} // namespace senna::platform

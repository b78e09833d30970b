#pragma once
// JSON read and written the way JavaScript's JSON.parse and JSON.stringify do, so packets we
// re-encode are byte-identical to what the reference server would send (its test suite and
// captures compare strings). Boost.JSON 1.81 alone falls short twice: boost::json::serialize
// writes doubles as "1.5E0" where JavaScript writes "1.5", and boost::json::parse may round a
// double one unit in the last place off ("2.5e-300" reads as 2.5000000000000003e-300; its
// precise mode arrived in 1.83).

#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace senna::socketio {

/**
 * Appends `v` as compact JSON: object keys in insertion order; strings escaped as
 * JSON.stringify does (", \, control characters; non-ASCII verbatim); int64/uint64 in
 * decimal; doubles as Number#toString (shortest round-trip digits, "1e+21", "1e-7", -0 as
 * "0"), NaN and infinities as null.
 *
 * Preconditions: strings are UTF-8; nesting is bounded (values from `decode` are, by
 * `limits::max_depth`; the writer recurses).
 */
void append_json(const boost::json::value& v, std::string& out);

/** append_json of an object, without wrapping it in a value (which would copy it). */
void append_json(const boost::json::object& o, std::string& out);

/**
 * Parses one complete JSON text (surrounding whitespace allowed, nothing else), as
 * boost::json::parse with default options but `max_depth`, and with doubles read correctly
 * rounded (std::from_chars on their text). Errors: Boost.JSON's (syntax, invalid UTF-8, too
 * deep, number out of range).
 */
boost::system::result<boost::json::value> parse_json(std::string_view text, std::size_t max_depth);

/** append_json into a new string. */
std::string to_json(const boost::json::value& v);

} // namespace senna::socketio

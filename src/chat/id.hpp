#pragma once
// User and topic ids (SPEC §2): a positive integer, or a string of 1-64 characters from
// [A-Za-z0-9_-]. A canonical decimal string ("42", not "042") within 2^53-1 is the number 42,
// so that 42 and "42" name the same user, as the seed (JavaScript) did.

#include <boost/json/fwd.hpp>

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace senna::chat {

struct id {
    std::string text;     // canonical text: "42" or "alice_01"
    bool numeric = false; // JSON number in storage and responses

    /** From a path parameter or a stored inbox member; nullopt when malformed. */
    static std::optional<id> parse(std::string_view text);
    /** From stored JSON (a number or a string); nullopt when malformed. */
    static std::optional<id> from_json(const boost::json::value& v);
    /** A number for numeric ids, a string otherwise. */
    boost::json::value to_json() const;
    /** What serialising to_json() writes, appended to `out` without making the value. */
    void append_json(std::string& out) const;

    friend bool operator==(const id& a, const id& b) { return a.text == b.text; }
};

/** SPEC §4's pair order: numeric when both ids are numbers, byte order otherwise. */
bool comes_first(const id& a, const id& b);

} // namespace senna::chat

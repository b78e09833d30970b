#pragma once
// Whether a JSON text is canonical: byte for byte what Boost.JSON's serializer writes for the
// value Boost.JSON's parser reads from it. Such a text can be copied into a serialised document
// instead of being parsed and serialised again (the history page splices stored messages).
//
// Canonical here means: no whitespace; strings in valid UTF-8 (no overlong forms, surrogates
// or code points past U+10FFFF) with only the escapes the serializer writes (\" \\ \b \f \n \r
// \t, and \u00xx in lower-case hex for the other control characters); integers only, in plain
// digits of at most 18 (so int64 both ways; no "-0"); true, false, null; objects with unique
// keys; at most 16 levels of nesting and 16 keys an object. Anything else is "not canonical",
// which is always safe to answer: the caller then takes the parse/serialise path.

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

namespace senna::util {

/** One member of an object: its key as written (without the quotes) and its value's text. */
struct json_member {
    std::string_view key;
    std::string_view value;
};

/** The top-level members of a canonical JSON object, in their order. */
class canonical_object {
public:
    static constexpr std::size_t max_members = 16;

    /** Reads `text`: false when it is not one canonical JSON object (then members() is empty).
        The members point into `text`. */
    bool read(std::string_view text);
    std::span<const json_member> members() const { return {members_.data(), count_}; }
    /** The value's text of `key` (as written), empty when there is none. */
    std::string_view find(std::string_view key) const;

private:
    std::array<json_member, max_members> members_{};
    std::size_t count_ = 0;
};

/** Whether `text` is one canonical JSON value, whatever its kind. */
bool canonical_json(std::string_view text);

} // namespace senna::util

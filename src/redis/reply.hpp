#pragma once
// One RESP2 reply as a plain value. An error reply (`-ERR ...`) is a reply, not a failure of
// the operation that carried it.

#include "redis/server_error.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace senna::redis {

struct reply {
    enum class kind { nil, status, error, integer, string, array };

    kind type = kind::nil;
    /** The text of a status, error or bulk string reply (binary-safe). */
    std::string str;
    long long integer = 0;
    std::vector<reply> elements;

    bool is_nil() const noexcept { return type == kind::nil; }
    bool is_error() const noexcept { return type == kind::error; }
    bool is_array() const noexcept { return type == kind::array; }

    /** `str` for status, error and string replies; empty otherwise. */
    std::string_view as_string() const noexcept {
        return type == kind::status || type == kind::error || type == kind::string
                   ? std::string_view(str)
                   : std::string_view();
    }

    /** The value of an integer reply, or of a string reply holding a decimal integer. */
    std::optional<long long> as_integer() const noexcept;

    /** True for an error reply whose code (first word) is `code`, e.g. "NOSCRIPT". */
    bool is_error_code(std::string_view code) const noexcept;

    /** What an error reply says went wrong (server_error.hpp); `none` for any other reply. */
    server_error error_kind() const noexcept {
        return type == kind::error ? classify(str) : server_error::none;
    }
};

/** A short human-readable rendering for logs and test failure messages. */
std::string to_debug_string(const reply& r);

} // namespace senna::redis

#pragma once
// Request-target parsing: path and query split, percent-decoding, query parameters.
// Pure and bounded: decoding never grows a string, invalid escapes are kept literally
// (as Node's querystring does) so no input is an error.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace senna::http {

struct target_parts {
    std::string_view path;  // before '?', not decoded
    std::string_view query; // after '?', not decoded ("" when absent)
};

target_parts split_target(std::string_view target) noexcept;

/** Decodes %XX escapes; with `plus_is_space`, '+' becomes ' ' (query strings). */
std::string percent_decode(std::string_view s, bool plus_is_space = false);

/** `a=1&b&c=x%20y` -> {{"a","1"},{"b",""},{"c","x y"}}, in order, duplicates kept. */
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);

/** The value of the first parameter named `name`, or nullopt-like empty flag. */
struct query_value {
    bool present = false;
    std::string value;
};
query_value find_query(std::string_view query, std::string_view name);

} // namespace senna::http

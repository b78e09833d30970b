#pragma once
// Tables indexed by an enum (client errors, disconnect reasons): one row per enumerator, each
// row naming its enumerator so that a reordering is caught at compile time.

#include <array>
#include <cstddef>
#include <utility>

namespace senna::util {

/** True when row i of `table` is the row of enumerator i, for every i: look-ups may index. */
template <class Enum, class Info, std::size_t N>
constexpr bool rows_in_enum_order(const std::array<std::pair<Enum, Info>, N>& table) {
    for (std::size_t i = 0; i < N; ++i)
        if (static_cast<std::size_t>(table[i].first) != i)
            return false;
    return true;
}

} // namespace senna::util

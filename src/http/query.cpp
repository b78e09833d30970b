#include "http/query.hpp"

#include "util/strings.hpp"

namespace senna::http {

target_parts split_target(std::string_view target) noexcept {
    auto q = target.find('?');
    if (q == std::string_view::npos)
        return {target, {}};
    return {target.substr(0, q), target.substr(q + 1)};
}

std::string percent_decode(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%' && i + 2 < s.size()) {
            int hi = util::hex_value(s[i + 1]), lo = util::hex_value(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += (plus_is_space && c == '+') ? ' ' : c;
    }
    return out;
}

namespace {

// Calls fn(raw key, raw value) for each non-empty `&`-separated piece, in order, until it
// returns true; a piece without `=` has an empty value.
template <class Fn> void each_pair(std::string_view query, Fn&& fn) {
    while (!query.empty()) {
        auto amp = query.find('&');
        auto piece = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (piece.empty())
            continue;
        auto eq = piece.find('=');
        const bool has_value = eq != std::string_view::npos;
        if (fn(piece.substr(0, eq), has_value ? piece.substr(eq + 1) : std::string_view{}))
            return;
    }
}

} // namespace

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> out;
    each_pair(query, [&](std::string_view k, std::string_view v) {
        out.emplace_back(percent_decode(k, true), percent_decode(v, true));
        return false;
    });
    return out;
}

query_value find_query(std::string_view query, std::string_view name) {
    // As parse_query, without building the list: only the value asked for is decoded (a
    // WebSocket connect looks up half a dozen names in the same query).
    query_value out;
    each_pair(query, [&](std::string_view k, std::string_view v) {
        const bool plain = k.find_first_of("%+") == std::string_view::npos;
        if (plain ? k != name : percent_decode(k, true) != name)
            return false;
        out = {true, percent_decode(v, true)};
        return true;
    });
    return out;
}

} // namespace senna::http

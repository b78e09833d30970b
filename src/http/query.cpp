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

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!query.empty()) {
        auto amp = query.find('&');
        auto piece = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (piece.empty())
            continue;
        auto eq = piece.find('=');
        if (eq == std::string_view::npos)
            out.emplace_back(percent_decode(piece, true), std::string{});
        else
            out.emplace_back(percent_decode(piece.substr(0, eq), true),
                             percent_decode(piece.substr(eq + 1), true));
    }
    return out;
}

query_value find_query(std::string_view query, std::string_view name) {
    // As parse_query, without building the list: only the value asked for is decoded (a
    // WebSocket connect looks up half a dozen names in the same query).
    while (!query.empty()) {
        auto amp = query.find('&');
        auto piece = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (piece.empty())
            continue;
        auto eq = piece.find('=');
        auto key = piece.substr(0, eq);
        const bool plain = key.find_first_of("%+") == std::string_view::npos;
        if (plain ? key != name : percent_decode(key, true) != name)
            continue;
        if (eq == std::string_view::npos)
            return {true, {}};
        return {true, percent_decode(piece.substr(eq + 1), true)};
    }
    return {};
}

} // namespace senna::http

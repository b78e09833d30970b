#include "util/strings.hpp"

#include <cstdint>
#include <cstring>

namespace senna::util {

namespace {
constexpr char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}
} // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split(std::string_view s, char delim) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        auto pos = s.find(delim, start);
        if (pos == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, pos - start));
        start = pos + 1;
    }
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = lower(c);
    return out;
}

std::optional<std::uint64_t> parse_uint(std::string_view s) noexcept {
    if (s.empty() || s.size() > 20)
        return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return std::nullopt;
        std::uint64_t d = static_cast<std::uint64_t>(c - '0');
        if (v > (UINT64_MAX - d) / 10)
            return std::nullopt;
        v = v * 10 + d;
    }
    return v;
}

namespace {

/** What a lead byte starts: the sequence's length and the range its second byte must be in.
    The narrow second-byte ranges (Unicode 15 Table 3-7) are what exclude overlongs (E0, F0),
    surrogates (ED) and code points above U+10FFFF (F4); 0 for bytes that cannot lead. */
struct utf8_lead {
    unsigned char length;
    unsigned char low, high;
};

constexpr utf8_lead lead_of(unsigned char c) noexcept {
    if (c >= 0xC2 && c <= 0xDF)
        return {2, 0x80, 0xBF};
    if (c == 0xE0)
        return {3, 0xA0, 0xBF};
    if (c == 0xED)
        return {3, 0x80, 0x9F};
    if (c >= 0xE1 && c <= 0xEF)
        return {3, 0x80, 0xBF};
    if (c == 0xF0)
        return {4, 0x90, 0xBF};
    if (c >= 0xF1 && c <= 0xF3)
        return {4, 0x80, 0xBF};
    if (c == 0xF4)
        return {4, 0x80, 0x8F};
    return {0, 0, 0};
}

} // namespace

std::optional<std::size_t> utf8_unfinished(std::string_view s) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        // Text is mostly ASCII: 8 bytes at a time (memcpy: no alignment or aliasing UB).
        if (end - p >= 8) {
            std::uint64_t word;
            std::memcpy(&word, p, 8);
            if ((word & 0x8080808080808080u) == 0) {
                p += 8;
                continue;
            }
        }
        if (*p < 0x80) {
            ++p;
            continue;
        }
        const utf8_lead lead = lead_of(*p);
        if (lead.length == 0)
            return std::nullopt;
        const auto have = static_cast<std::size_t>(end - p);
        const std::size_t n = have < lead.length ? have : lead.length;
        if (n >= 2 && (p[1] < lead.low || p[1] > lead.high))
            return std::nullopt;
        for (std::size_t i = 2; i < n; ++i)
            if ((p[i] & 0xC0) != 0x80)
                return std::nullopt;
        if (n < lead.length) // cut short at the end, every byte so far well-formed
            return n;
        p += lead.length;
    }
    return 0;
}

bool valid_utf8(std::string_view s) noexcept {
    return utf8_unfinished(s) == std::size_t{0};
}

namespace {
// Whether some byte of `w` may need an escape: below 0x20, '"' or '\\'. Exact when none does
// (the SWAR tests give no false negatives); a false positive only sends the word to the byte loop.
constexpr bool may_need_escape(std::uint64_t w) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    const auto zero_byte = [](std::uint64_t x) { return (x - ones) & ~x & high; };
    const std::uint64_t control = (w - ones * 0x20) & ~w & high; // bytes below 0x20
    return (control | zero_byte(w ^ (ones * '"')) | zero_byte(w ^ (ones * '\\'))) != 0;
}
} // namespace

void append_json_string(std::string_view s, std::string& out) {
    static constexpr char hex[] = "0123456789abcdef";
    out.reserve(out.size() + s.size() + 2);
    out += '"';
    // Runs of characters that need no escape (nearly all of a chat message) go in one append,
    // found 8 bytes at a time (memcpy: no alignment or aliasing UB).
    const char* p = s.data();
    const char* const end = p + s.size();
    const char* run = p;
    while (p < end) {
        if (end - p >= 8) {
            std::uint64_t word;
            std::memcpy(&word, p, 8);
            if (!may_need_escape(word)) {
                p += 8;
                continue;
            }
        }
        const char c = *p;
        if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20) {
            ++p;
            continue;
        }
        out.append(run, static_cast<std::size_t>(p - run));
        run = ++p;
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            out += "\\u00";
            out += hex[(c >> 4) & 0xf];
            out += hex[c & 0xf];
        }
    }
    out.append(run, static_cast<std::size_t>(end - run));
    out += '"';
}

} // namespace senna::util

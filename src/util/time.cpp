#include "util/time.hpp"

#include "util/strings.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace senna::util {

namespace {

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's algorithm).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil {
    std::int64_t y;
    unsigned m, d;
};

constexpr civil civil_from_days(std::int64_t z) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2), m, d};
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, unsigned& out) noexcept {
    if (pos + n > s.size())
        return false;
    unsigned v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + static_cast<unsigned>(s[i] - '0');
    }
    out = v;
    return true;
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
    constexpr unsigned dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

} // namespace

std::int64_t now_ms() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::size_t iso8601(std::int64_t epoch_ms, std::span<char, iso8601_max> out) {
    std::int64_t days = epoch_ms / 86400000;
    std::int64_t rem = epoch_ms % 86400000;
    if (rem < 0) {
        rem += 86400000;
        --days;
    }
    civil c = civil_from_days(days);
    if (c.y < 0 || c.y > 9999) { // outside what the fixed layout below holds
        const int n =
            std::snprintf(out.data(), out.size(), "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
                          static_cast<long long>(c.y), c.m, c.d, static_cast<int>(rem / 3600000),
                          static_cast<int>(rem / 60000 % 60), static_cast<int>(rem / 1000 % 60),
                          static_cast<int>(rem % 1000));
        return n < 0 ? 0 : std::min(static_cast<std::size_t>(n), out.size() - 1);
    }
    // Every message carries one or two of these: written by hand, not by snprintf.
    static constexpr std::string_view layout = "0000-00-00T00:00:00.000Z";
    std::copy(layout.begin(), layout.end(), out.begin());
    const auto put = [&out](std::size_t at, unsigned width, std::uint64_t v) {
        for (std::size_t i = at + width; i-- > at; v /= 10)
            out[i] = static_cast<char>('0' + v % 10);
    };
    put(0, 4, static_cast<std::uint64_t>(c.y));
    put(5, 2, c.m);
    put(8, 2, c.d);
    put(11, 2, static_cast<std::uint64_t>(rem / 3600000));
    put(14, 2, static_cast<std::uint64_t>(rem / 60000 % 60));
    put(17, 2, static_cast<std::uint64_t>(rem / 1000 % 60));
    put(20, 3, static_cast<std::uint64_t>(rem % 1000));
    return layout.size();
}

std::string iso8601(std::int64_t epoch_ms) {
    char buf[iso8601_max];
    return std::string(buf, iso8601(epoch_ms, buf));
}

bool written_as_iso8601(std::string_view s) noexcept {
    // parse_time checked the date's and the time's digits and separators up to the minutes; of
    // 24 characters with seconds, a '.' and a final 'Z', the fraction's three are digits too.
    return s.size() == 24 && s[16] == ':' && s[19] == '.' && s[23] == 'Z';
}

std::optional<std::int64_t> parse_time(std::string_view s) noexcept {
    if (auto n = parse_uint(s)) {
        if (*n > 8640000000000000ull) // JavaScript's Date range
            return std::nullopt;
        return static_cast<std::int64_t>(*n);
    }
    unsigned y, mo, d;
    if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) ||
        s[7] != '-' || !digits(s, 8, 2, d))
        return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return std::nullopt;
    std::int64_t ms = days_from_civil(y, mo, d) * 86400000;
    if (s.size() == 10)
        return ms;
    unsigned hh, mm, ss = 0, frac = 0;
    if (s[10] != 'T' || !digits(s, 11, 2, hh) || s.size() < 16 || s[13] != ':' ||
        !digits(s, 14, 2, mm) || hh > 23 || mm > 59)
        return std::nullopt;
    std::size_t pos = 16;
    if (pos < s.size() && s[pos] == ':') {
        if (!digits(s, pos + 1, 2, ss) || ss > 59)
            return std::nullopt;
        pos += 3;
        if (pos < s.size() && s[pos] == '.') {
            std::size_t start = ++pos;
            while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
                ++pos;
            std::size_t n = pos - start;
            if (n == 0)
                return std::nullopt;
            // Milliseconds from the first three digits; more digits are truncated, as JS does.
            unsigned scale = 100;
            for (std::size_t i = 0; i < n && i < 3; ++i, scale /= 10)
                frac += static_cast<unsigned>(s[start + i] - '0') * scale;
        }
    }
    ms += (static_cast<std::int64_t>(hh) * 3600 + mm * 60 + ss) * 1000 + frac;
    if (pos == s.size())
        return ms;
    if (s[pos] == 'Z' && pos + 1 == s.size())
        return ms;
    unsigned oh, om;
    if ((s[pos] == '+' || s[pos] == '-') && pos + 6 == s.size() && digits(s, pos + 1, 2, oh) &&
        s[pos + 3] == ':' && digits(s, pos + 4, 2, om) && oh <= 23 && om <= 59) {
        std::int64_t off = (static_cast<std::int64_t>(oh) * 60 + om) * 60000;
        return s[pos] == '+' ? ms - off : ms + off;
    }
    return std::nullopt;
}

} // namespace senna::util

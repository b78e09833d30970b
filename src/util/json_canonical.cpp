#include "util/json_canonical.hpp"

namespace senna::util {

namespace {

constexpr int canonical_max_depth = 16;

// What a byte inside a string is to the reader: most are copied as they are.
enum class string_byte_kind : unsigned char { plain, quote, backslash, control, multibyte };
constexpr std::array<string_byte_kind, 256> string_byte = [] {
    std::array<string_byte_kind, 256> t{};
    for (std::size_t c = 0; c < 0x20; ++c)
        t[c] = string_byte_kind::control;
    t['"'] = string_byte_kind::quote;
    t['\\'] = string_byte_kind::backslash;
    for (std::size_t c = 0x80; c < 0x100; ++c)
        t[c] = string_byte_kind::multibyte;
    return t;
}();

// A recursive reader that only answers "canonical or not" and where each value ends.
class canonical_reader {
public:
    canonical_reader(const char* p, const char* end) : p_(p), end_(end) {}

    bool at_end() const { return p_ == end_; }

    bool value(int depth) {
        if (p_ == end_)
            return false;
        switch (*p_) {
        case '{': {
            std::array<json_member, canonical_object::max_members> members;
            std::size_t n = 0;
            return object(depth + 1, members.data(), n);
        }
        case '[':
            return array(depth + 1);
        case '"':
            return string();
        case 't':
            return literal("true");
        case 'f':
            return literal("false");
        case 'n':
            return literal("null");
        default:
            return number();
        }
    }

    // At '{': the members into `out` (canonical_object::max_members of room).
    bool object(int depth, json_member* out, std::size_t& n) {
        if (depth > canonical_max_depth)
            return false;
        ++p_;
        n = 0;
        if (p_ != end_ && *p_ == '}') {
            ++p_;
            return true;
        }
        for (;;) {
            if (p_ == end_ || *p_ != '"' || n == canonical_object::max_members)
                return false;
            const char* key = p_ + 1;
            if (!string())
                return false;
            // Canonical texts of two strings are equal exactly when the strings are.
            const std::string_view k(key, static_cast<std::size_t>(p_ - 1 - key));
            for (std::size_t i = 0; i < n; ++i)
                if (out[i].key == k)
                    return false; // the parser keeps one of them: not what is written
            if (p_ == end_ || *p_ != ':')
                return false;
            ++p_;
            const char* v = p_;
            if (!value(depth))
                return false;
            out[n++] = {k, std::string_view(v, static_cast<std::size_t>(p_ - v))};
            if (p_ == end_)
                return false;
            if (*p_ == ',') {
                ++p_;
                continue;
            }
            if (*p_ != '}')
                return false;
            ++p_;
            return true;
        }
    }

private:
    bool array(int depth) {
        if (depth > canonical_max_depth)
            return false;
        ++p_;
        if (p_ != end_ && *p_ == ']') {
            ++p_;
            return true;
        }
        for (;;) {
            if (!value(depth) || p_ == end_)
                return false;
            if (*p_ == ',') {
                ++p_;
                continue;
            }
            if (*p_ != ']')
                return false;
            ++p_;
            return true;
        }
    }

    bool literal(std::string_view word) {
        if (static_cast<std::size_t>(end_ - p_) < word.size() ||
            std::string_view(p_, word.size()) != word)
            return false;
        p_ += word.size();
        return true;
    }

    // An integer of at most 18 digits: int64 to the parser, the same digits from the
    // serializer. What follows it ('.', 'e', more digits) is the caller's to refuse.
    bool number() {
        const bool negative = *p_ == '-';
        if (negative)
            ++p_;
        if (p_ == end_)
            return false;
        if (*p_ == '0') {
            if (negative)
                return false; // "-0": not what the serializer writes for it
            ++p_;
        } else {
            const char* first = p_;
            while (p_ != end_ && *p_ >= '0' && *p_ <= '9')
                ++p_;
            if (p_ == first || p_ - first > 18)
                return false;
        }
        return p_ == end_ ||
               (*p_ != '.' && *p_ != 'e' && *p_ != 'E' && !(*p_ >= '0' && *p_ <= '9'));
    }

    static bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }
    // At '"': to just past the closing quote.
    bool string() {
        ++p_;
        for (;;) {
            // Local copies: the members would be reloaded after each byte (a char aliases them).
            const char* p = p_;
            const char* const end = end_;
            while (p != end &&
                   string_byte[static_cast<unsigned char>(*p)] == string_byte_kind::plain)
                ++p;
            p_ = p;
            if (p_ == end_)
                return false;
            switch (string_byte[static_cast<unsigned char>(*p_)]) {
            case string_byte_kind::quote:
                ++p_;
                return true;
            case string_byte_kind::backslash:
                if (!escape())
                    return false;
                break;
            case string_byte_kind::control:
                return false;
            default:
                if (!utf8(static_cast<unsigned char>(*p_)))
                    return false;
            }
        }
    }

    // The escapes the serializer writes, nothing else (\/, \u0041, \u00e9 are written
    // otherwise).
    bool escape() {
        if (end_ - p_ < 2)
            return false;
        switch (p_[1]) {
        case '"':
        case '\\':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            p_ += 2;
            return true;
        case 'u':
            break;
        default:
            return false;
        }
        if (end_ - p_ < 6 || p_[2] != '0' || p_[3] != '0' || (p_[4] != '0' && p_[4] != '1'))
            return false;
        int low;
        if (p_[5] >= '0' && p_[5] <= '9')
            low = p_[5] - '0';
        else if (p_[5] >= 'a' && p_[5] <= 'f')
            low = p_[5] - 'a' + 10;
        else
            return false;
        const int ch = (p_[4] - '0') * 16 + low;
        if (ch == '\b' || ch == '\t' || ch == '\n' || ch == '\f' || ch == '\r')
            return false; // written with its short escape
        p_ += 6;
        return true;
    }

    // Well-formed UTF-8 (Unicode's table 3-7), at a lead byte of 0x80 or more.
    bool utf8(unsigned char lead) {
        std::size_t len;
        unsigned char lo = 0x80, hi = 0xBF; // the second byte's range
        if (lead >= 0xC2 && lead <= 0xDF)
            len = 2;
        else if (lead >= 0xE0 && lead <= 0xEF) {
            len = 3;
            if (lead == 0xE0)
                lo = 0xA0;
            else if (lead == 0xED)
                hi = 0x9F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            len = 4;
            if (lead == 0xF0)
                lo = 0x90;
            else if (lead == 0xF4)
                hi = 0x8F;
        } else
            return false;
        if (static_cast<std::size_t>(end_ - p_) < len)
            return false;
        const auto second = static_cast<unsigned char>(p_[1]);
        if (second < lo || second > hi)
            return false;
        for (std::size_t i = 2; i < len; ++i)
            if (!continuation(static_cast<unsigned char>(p_[i])))
                return false;
        p_ += len;
        return true;
    }

    const char* p_;
    const char* end_;
};

} // namespace

bool canonical_object::read(std::string_view text) {
    count_ = 0;
    canonical_reader r(text.data(), text.data() + text.size());
    if (text.empty() || text.front() != '{')
        return false;
    std::size_t n = 0;
    if (!r.object(1, members_.data(), n) || !r.at_end())
        return false;
    count_ = n;
    return true;
}

std::string_view canonical_object::find(std::string_view key) const {
    for (std::size_t i = 0; i < count_; ++i)
        if (members_[i].key == key)
            return members_[i].value;
    return {};
}

bool canonical_json(std::string_view text) {
    canonical_reader r(text.data(), text.data() + text.size());
    return r.value(0) && r.at_end();
}

} // namespace senna::util

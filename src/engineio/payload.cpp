#include "engineio/payload.hpp"

#include "engineio/error.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <charconv>

namespace senna::engineio {

namespace {

constexpr char record_separator = '\x1e';

/** Digits of a v3 record length. 10 digits exceed any body the HTTP layer lets through, and
    keep the value far from overflowing. (The reference stops at 310.) */
constexpr std::size_t max_length_digits = 10;

/**
 * Bytes of the well-formed UTF-8 sequence starting at s[0] (1-4), or 0 if it is not one
 * (stray continuation, overlong form, surrogate, above U+10FFFF, cut short).
 */
std::size_t utf8_sequence(std::string_view s) noexcept {
    const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char c = b(0);
    if (c < 0x80)
        return 1;
    std::size_t n;
    unsigned char lo = 0x80, hi = 0xbf; // the allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0; // overlong
        else if (c == 0xed)
            hi = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90; // overlong
        else if (c == 0xf4)
            hi = 0x8f; // above U+10FFFF
    } else {
        return 0;
    }
    if (s.size() < n || b(1) < lo || b(1) > hi)
        return 0;
    for (std::size_t i = 2; i < n; ++i)
        if ((b(i) & 0xc0) != 0x80)
            return 0;
    return n;
}

/** Appends the decimal digits of n. */
void append_decimal(std::size_t n, std::string& out) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, r.ptr);
}

/** Shared checks on one decoded packet and the running count. */
boost::system::result<void> admit(const packet& p, std::size_t count,
                                  const payload_limits& limits) {
    if (count >= limits.max_packets)
        return error::too_many_packets;
    if (p.data.size() > limits.max_packet_size)
        return error::packet_too_large;
    return {};
}

/** One text record: decodes, then checks UTF-8 of text data (base64 data is bytes). */
boost::system::result<packet> decode_text_record(std::string_view text, version v) {
    auto p = detail::decode_text_packet(text, v);
    if (p && !p->binary && !util::valid_utf8(p->data))
        return error::invalid_utf8;
    return p;
}

boost::system::result<std::vector<packet>> decode_v4(std::string_view body,
                                                     const payload_limits& limits) {
    std::vector<packet> packets;
    while (true) {
        const auto end = body.find(record_separator);
        const std::string_view record = body.substr(0, end);
        auto p = decode_text_record(record, version::v4);
        if (!p)
            return p.error();
        if (auto ok = admit(*p, packets.size(), limits); !ok)
            return ok.error();
        packets.push_back(std::move(*p));
        if (end == std::string_view::npos)
            return packets;
        body.remove_prefix(end + 1);
    }
}

/** Parses "<digits>:" at the front of `body`; the length and the bytes consumed. */
boost::system::result<std::pair<std::size_t, std::size_t>> v3_text_length(std::string_view body) {
    const auto colon = body.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > max_length_digits)
        return error::bad_framing;
    const auto n = util::parse_uint(body.substr(0, colon));
    if (!n)
        return error::bad_framing;
    return std::pair{static_cast<std::size_t>(*n), colon + 1};
}

boost::system::result<std::vector<packet>> decode_v3_text(std::string_view body,
                                                          const payload_limits& limits) {
    if (body.empty())
        return error::empty_packet;
    std::vector<packet> packets;
    while (!body.empty()) {
        const auto header = v3_text_length(body);
        if (!header)
            return header.error();
        const auto [units, skip] = *header;
        body.remove_prefix(skip);
        if (units == 0)
            return error::empty_packet;
        // Walk `units` UTF-16 code units of UTF-8: 1-3 byte sequences are one unit, 4-byte
        // sequences (above U+FFFF) two. A length that ends inside a pair is truncated input.
        std::size_t bytes = 0, counted = 0;
        while (counted < units) {
            if (bytes == body.size())
                return error::truncated;
            const std::size_t n = utf8_sequence(body.substr(bytes));
            if (n == 0)
                return error::invalid_utf8;
            counted += n == 4 ? 2 : 1;
            bytes += n;
        }
        if (counted != units)
            return error::truncated;
        auto p = detail::decode_text_packet(body.substr(0, bytes), version::v3);
        if (!p)
            return p.error();
        if (auto ok = admit(*p, packets.size(), limits); !ok)
            return ok.error();
        packets.push_back(std::move(*p));
        body.remove_prefix(bytes);
    }
    return packets;
}

boost::system::result<std::vector<packet>> decode_v3_binary(std::string_view body,
                                                            const payload_limits& limits) {
    if (body.empty())
        return error::empty_packet;
    std::vector<packet> packets;
    while (!body.empty()) {
        const auto marker = static_cast<unsigned char>(body[0]);
        if (marker > 1)
            return error::bad_framing;
        std::size_t i = 1, length = 0;
        for (; i < body.size() && static_cast<unsigned char>(body[i]) != 0xff; ++i) {
            const auto digit = static_cast<unsigned char>(body[i]);
            if (digit > 9 || i > max_length_digits)
                return error::bad_framing;
            length = length * 10 + digit;
        }
        if (i == 1 || i == body.size()) // no digits, or no 0xff separator
            return error::bad_framing;
        body.remove_prefix(i + 1);
        if (length > body.size())
            return error::truncated;
        if (length == 0)
            return error::empty_packet;
        const std::string_view record = body.substr(0, length);
        auto p = marker == 0 ? decode_text_record(record, version::v3)
                             : decode_frame(record, frame_kind::binary, version::v3);
        if (!p)
            return p.error();
        if (auto ok = admit(*p, packets.size(), limits); !ok)
            return ok.error();
        packets.push_back(std::move(*p));
        body.remove_prefix(length);
    }
    return packets;
}

void encode_v3_text(std::span<const packet> packets, std::string& out) {
    std::string text;
    for (const auto& p : packets) {
        text.clear();
        detail::encode_text_packet(p, text, version::v3);
        append_decimal(utf16_length(text), out);
        out += ':';
        out += text;
    }
}

void encode_v3_binary(std::span<const packet> packets, std::string& out) {
    for (const auto& p : packets) {
        const std::size_t length = 1 + p.data.size(); // type char or byte, then the data
        out += static_cast<char>(p.binary ? 1 : 0);
        const std::size_t digits_at = out.size();
        append_decimal(length, out);
        for (std::size_t i = digits_at; i < out.size(); ++i)
            out[i] = static_cast<char>(out[i] - '0'); // one byte per digit, valued 0-9
        out += '\xff';
        out +=
            static_cast<char>(p.binary ? static_cast<int>(p.type) : '0' + static_cast<int>(p.type));
        out += p.data;
    }
}

} // namespace

std::size_t utf16_length(std::string_view text) noexcept {
    std::size_t n = 0;
    for (const char c : text) {
        const auto b = static_cast<unsigned char>(c);
        if ((b & 0xc0) != 0x80) // every non-continuation byte starts a code point
            ++n;
        if (b >= 0xf0) // a 4-byte sequence: a surrogate pair in UTF-16
            ++n;
    }
    return n;
}

void encode_payload(std::span<const packet> packets, payload_format format, std::string& out) {
    switch (format) {
    case payload_format::v4:
        for (std::size_t i = 0; i < packets.size(); ++i) {
            if (i != 0)
                out += record_separator;
            detail::encode_text_packet(packets[i], out, version::v4);
        }
        return;
    case payload_format::v3_text:
        encode_v3_text(packets, out);
        return;
    case payload_format::v3_binary:
        encode_v3_binary(packets, out);
        return;
    }
}

boost::system::result<std::vector<packet>>
decode_payload(std::string_view body, payload_format format, const payload_limits& limits) {
    switch (format) {
    case payload_format::v4:
        return decode_v4(body, limits);
    case payload_format::v3_text:
        return decode_v3_text(body, limits);
    case payload_format::v3_binary:
        return decode_v3_binary(body, limits);
    }
    return error::bad_framing;
}

payload_format response_format(version v, bool client_accepts_binary,
                               std::span<const packet> packets) noexcept {
    if (v == version::v4)
        return payload_format::v4;
    const bool any_binary =
        std::any_of(packets.begin(), packets.end(), [](const packet& p) { return p.binary; });
    return client_accepts_binary && any_binary ? payload_format::v3_binary
                                               : payload_format::v3_text;
}

payload_format request_format(version v, std::string_view content_type) noexcept {
    if (v == version::v4)
        return payload_format::v4;
    const auto media_type = util::trim(content_type.substr(0, content_type.find(';')));
    return util::iequals(media_type, "application/octet-stream") ? payload_format::v3_binary
                                                                 : payload_format::v3_text;
}

std::string_view content_type(payload_format format) noexcept {
    return format == payload_format::v3_binary ? "application/octet-stream"
                                               : "text/plain; charset=UTF-8";
}

} // namespace senna::engineio

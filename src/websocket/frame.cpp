#include "websocket/frame.hpp"

#include "util/strings.hpp"

#include <cstring>
#include <limits>

namespace senna::websocket {

namespace {

// What can fail, in the order next() checks it; the index is parser::failure_.
enum failure : std::uint8_t {
    none,
    rsv_set,
    unknown_opcode,
    not_masked,
    fragmented_control,
    control_too_long,
    close_one_byte,
    stray_continuation,
    message_in_message,
    length_top_bit,
    too_big,
    text_not_utf8,
    bad_close_code,
    reason_not_utf8,
};

struct failure_info {
    std::uint16_t code;
    std::string_view what;
};

constexpr failure_info failures[] = {
    {0, ""},
    {close_code::protocol_error, "RSV bit set without an extension"},
    {close_code::protocol_error, "unknown opcode"},
    {close_code::protocol_error, "client frame not masked"},
    {close_code::protocol_error, "fragmented control frame"},
    {close_code::protocol_error, "control frame longer than 125 bytes"},
    {close_code::protocol_error, "close frame of 1 byte"},
    {close_code::protocol_error, "continuation without a message"},
    {close_code::protocol_error, "new message inside a fragmented one"},
    {close_code::protocol_error, "64-bit length with the top bit set"},
    {close_code::message_too_big, "message too big"},
    {close_code::invalid_payload, "text message not UTF-8"},
    {close_code::protocol_error, "invalid close code"},
    {close_code::invalid_payload, "close reason not UTF-8"},
};
static_assert(std::size(failures) == reason_not_utf8 + 1);

constexpr unsigned char fin_bit = 0x80, rsv_bits = 0x70, opcode_bits = 0x0f, mask_bit = 0x80,
                        length_bits = 0x7f;
constexpr std::size_t max_control = 125;

unsigned char byte(char c) noexcept {
    return static_cast<unsigned char>(c);
}

bool is_control(unsigned char op) noexcept {
    return (op & 0x08) != 0;
}

bool known_opcode(unsigned char op) noexcept {
    return op <= 2 || (op >= 8 && op <= 10);
}

struct frame_header {
    std::size_t size;      ///< header bytes, the masking key included
    std::uint64_t payload; ///< payload bytes
};

/** The header at the front of `buf`, nullopt while incomplete. */
std::optional<frame_header> read_header(std::span<const char> buf) noexcept {
    if (buf.size() < 2)
        return std::nullopt;
    const unsigned b1 = byte(buf[1]);
    const unsigned len7 = b1 & length_bits;
    const std::size_t extended = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    const std::size_t size = 2 + extended + ((b1 & mask_bit) != 0 ? 4 : 0);
    if (buf.size() < size)
        return std::nullopt;
    std::uint64_t payload = len7;
    if (extended != 0) {
        payload = 0;
        for (std::size_t i = 0; i < extended; ++i)
            payload = payload << 8 | byte(buf[2 + i]);
    }
    return frame_header{size, payload};
}

/** XORs `payload` with the 4-byte `key` repeated, 8 bytes at a time (memcpy: no alignment or
    aliasing UB; the compiler makes each a plain load and store). */
void unmask(std::span<char> payload, const char* key) noexcept {
    unsigned char key8[8];
    std::memcpy(key8, key, 4);
    std::memcpy(key8 + 4, key, 4);
    std::uint64_t mask;
    std::memcpy(&mask, key8, 8);
    char* p = payload.data();
    const std::size_t n = payload.size();
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, p + i, 8);
        word ^= mask;
        std::memcpy(p + i, &word, 8);
    }
    for (; i < n; ++i)
        p[i] = static_cast<char>(byte(p[i]) ^ key8[i & 3]);
}

} // namespace

parser::parser(parser_limits lim) noexcept : max_message_(lim.max_message) {}

void parser::reset() noexcept {
    std::vector<char>().swap(message_);
    in_message_ = false;
    binary_ = false;
    unfinished_ = 0;
}

step parser::fail(std::uint8_t f) noexcept {
    failure_ = f;
    reset(); // a failed parser parses nothing more: what it held is of no use
    return failed();
}

step parser::failed() const noexcept {
    const failure_info& f = failures[failure_];
    return {0, event{event::kind::error, false, f.what, f.code}};
}

std::uint8_t parser::check_start(unsigned char b0, unsigned char b1) const noexcept {
    const unsigned char op = b0 & opcode_bits;
    if ((b0 & rsv_bits) != 0)
        return rsv_set;
    if (!known_opcode(op))
        return unknown_opcode;
    if ((b1 & mask_bit) == 0)
        return not_masked; // RFC 6455 5.1: the server MUST close on an unmasked frame
    if (is_control(op)) {
        if ((b0 & fin_bit) == 0)
            return fragmented_control;
        if ((b1 & length_bits) > max_control)
            return control_too_long;
        if (op == static_cast<unsigned char>(opcode::close) && (b1 & length_bits) == 1)
            return close_one_byte; // a code is 2 bytes
        return none;
    }
    if (op == static_cast<unsigned char>(opcode::continuation) && !in_message_)
        return stray_continuation;
    if (op != static_cast<unsigned char>(opcode::continuation) && in_message_)
        return message_in_message;
    return none;
}

std::uint8_t parser::check_length(unsigned char b0, std::uint64_t len) const noexcept {
    if ((len >> 63) != 0)
        return length_top_bit;
    if (is_control(b0 & opcode_bits))
        return none; // <= 125, check_start saw to it
    // message_.size() <= max_message_ holds: every fragment passed this check.
    const std::size_t so_far = in_message_ ? message_.size() : 0;
    if (len > max_message_ - so_far)
        return too_big;
    return none;
}

step parser::next(std::span<char> buf) {
    if (failure_ != none)
        return failed();
    if (!in_message_ && message_.capacity() != 0)
        reset(); // the last fragmented message's event is gone: idle connections hold nothing
    if (buf.size() < 2)
        return {};
    const unsigned char b0 = byte(buf[0]);
    if (const std::uint8_t f = check_start(b0, byte(buf[1])); f != none)
        return fail(f);
    const auto header = read_header(buf);
    if (!header)
        return {};
    if (const std::uint8_t f = check_length(b0, header->payload); f != none)
        return fail(f);
    // The payload is at most max_message_ (or 125), so it fits a size_t.
    const auto len = static_cast<std::size_t>(header->payload);
    if (buf.size() - header->size < len)
        return {};
    const std::span<char> payload = buf.subspan(header->size, len);
    unmask(payload, buf.data() + header->size - 4);
    const auto op = static_cast<opcode>(b0 & opcode_bits);
    const std::size_t consumed = header->size + len;
    if (is_control(b0 & opcode_bits))
        return control(op, payload, consumed);
    return data(op, (b0 & fin_bit) != 0, payload, consumed);
}

step parser::control(opcode op, std::span<char> payload, std::size_t consumed) noexcept {
    const std::string_view bytes(payload.data(), payload.size());
    if (op == opcode::ping)
        return {consumed, event{event::kind::ping, false, bytes, 0}};
    if (op == opcode::pong)
        return {consumed, event{event::kind::pong, false, bytes, 0}};
    if (bytes.empty())
        return {consumed, event{event::kind::close, false, {}, close_code::no_status}};
    const auto code = static_cast<std::uint16_t>(byte(bytes[0]) << 8 | byte(bytes[1]));
    if (!valid_close_code(code))
        return fail(bad_close_code);
    const std::string_view reason = bytes.substr(2);
    if (!util::valid_utf8(reason))
        return fail(reason_not_utf8);
    return {consumed, event{event::kind::close, false, reason, code}};
}

step parser::data(opcode op, bool fin, std::span<char> payload, std::size_t consumed) {
    if (!in_message_ && fin) { // the common case: a whole message in one frame, no copy
        const std::string_view bytes(payload.data(), payload.size());
        const bool binary = op == opcode::binary;
        if (!binary && !util::valid_utf8(bytes))
            return fail(text_not_utf8);
        return {consumed, event{event::kind::message, binary, bytes, 0}};
    }
    if (!in_message_) {
        in_message_ = true;
        binary_ = op == opcode::binary;
        unfinished_ = 0;
    }
    // Text is checked fragment by fragment (fail fast), from the cut code point at the end of the
    // previous one on.
    const std::size_t from = message_.size() - unfinished_;
    message_.insert(message_.end(), payload.begin(), payload.end());
    if (!binary_) {
        const auto cut =
            util::utf8_unfinished(std::string_view(message_.data() + from, message_.size() - from));
        if (!cut || (fin && *cut != 0))
            return fail(text_not_utf8);
        unfinished_ = static_cast<std::uint8_t>(*cut);
    }
    if (!fin)
        return {consumed, std::nullopt};
    in_message_ = false; // message_ is released on the next call, once the event is handled
    return {consumed, event{event::kind::message, binary_,
                            std::string_view(message_.data(), message_.size()), 0}};
}

std::size_t parser::frame_size(std::span<const char> buf) noexcept {
    const auto header = read_header(buf);
    if (!header)
        return 0;
    constexpr std::size_t max = std::numeric_limits<std::size_t>::max();
    if (header->payload > max - header->size)
        return max;
    return header->size + static_cast<std::size_t>(header->payload);
}

std::size_t write_header(opcode op, std::uint64_t len, std::span<unsigned char, 10> out,
                         bool fin) noexcept {
    out[0] = static_cast<unsigned char>((fin ? fin_bit : 0) | static_cast<unsigned char>(op));
    std::size_t extended = 0;
    if (len <= max_control) {
        out[1] = static_cast<unsigned char>(len);
    } else if (len <= 0xffff) {
        out[1] = 126;
        extended = 2;
    } else {
        out[1] = 127;
        extended = 8;
    }
    for (std::size_t i = 0; i < extended; ++i)
        out[1 + extended - i] = static_cast<unsigned char>(len >> (8 * i));
    return 2 + extended;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
    if (code == close_code::no_status)
        return {};
    constexpr std::size_t max_reason = max_control - 2;
    if (reason.size() > max_reason) {
        std::size_t cut = max_reason;
        while (cut > 0 && (byte(reason[cut]) & 0xc0) == 0x80) // not inside a code point
            --cut;
        reason = reason.substr(0, cut);
    }
    std::string out;
    out.reserve(2 + reason.size());
    out += static_cast<char>(code >> 8);
    out += static_cast<char>(code & 0xff);
    out += reason;
    return out;
}

bool valid_close_code(std::uint16_t code) noexcept {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

bool valid_utf8(std::string_view s) noexcept {
    return util::valid_utf8(s);
}

} // namespace senna::websocket

// libFuzzer target for the WebSocket frame codec (websocket/frame.hpp) and, briefly,
// accept_key (websocket/handshake.hpp). Input: a selector byte (the message limit), a split byte,
// then a byte stream from a "client". Checks:
//  1. the stream fed whole, `split`+1 bytes at a time and byte by byte (the caller keeps what was
//     not consumed) gives the same events; at every step the parser keeps its contract (test::feed:
//     consumed is the frame's size, messages within the limit, text valid UTF-8, control payloads
//     <= 125, after an error nothing more is consumed, nothing held when idle);
//  2. the stream's bytes as one message, masked and fragmented as a client would (a ping between
//     the first two fragments), come back whole, or as 1009 when above the limit;
//  3. valid_utf8 agrees with a plain code-point decoder, and any prefix of valid UTF-8 is a valid
//     start for util::utf8_unfinished.
//
// Built and run by scripts/fuzz.sh:
//   FUZZ_SECONDS=600 scripts/fuzz.sh websocket_frame_fuzz

#include "../unit/websocket/test_support.hpp"
#include "util/strings.hpp"
#include "websocket/frame.hpp"
#include "websocket/handshake.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

using namespace senna::websocket;
using namespace senna::websocket::test;

namespace {

void check(bool ok) {
    if (!ok)
        std::abort();
}

/** UTF-8 the slow, obvious way: decode each code point, then refuse overlongs, surrogates and
    what lies above U+10FFFF. The oracle valid_utf8's table and ASCII words are checked against. */
bool plain_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t more;
        std::uint32_t cp;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c >> 5) == 0x6) {
            more = 1, cp = c & 0x1f;
        } else if ((c >> 4) == 0xe) {
            more = 2, cp = c & 0x0f;
        } else if ((c >> 3) == 0x1e) {
            more = 3, cp = c & 0x07;
        } else {
            return false;
        }
        if (s.size() - i <= more)
            return false;
        for (std::size_t k = 1; k <= more; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            if ((b & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (b & 0x3f);
        }
        static constexpr std::uint32_t least[] = {0, 0x80, 0x800, 0x10000};
        if (cp < least[more] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += more + 1;
    }
    return true;
}

/** The events `payload` sent as one message in fragments of `step` bytes, a ping after the
    first, should give. */
std::vector<recorded> expected_events(std::string_view payload, bool binary, std::size_t step,
                                      bool with_ping, std::size_t max_message) {
    const recorded too_big{event::kind::error, false, {}, close_code::message_too_big};
    const recorded the_ping = ping(payload.substr(0, std::min<std::size_t>(125, payload.size())));
    std::vector<recorded> out;
    if (step >= payload.size()) { // one frame
        if (payload.size() > max_message)
            return {too_big};
        out.push_back(message(payload, binary));
        if (with_ping)
            out.push_back(the_ping);
        return out;
    }
    for (std::size_t at = 0; at < payload.size(); at += step) {
        if (std::min(at + step, payload.size()) > max_message) {
            out.push_back(too_big);
            return out;
        }
        if (at == 0 && with_ping)
            out.push_back(the_ping);
    }
    out.push_back(message(payload, binary));
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2)
        return 0;
    const std::uint8_t selector = data[0], split = data[1];
    const std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);
    static constexpr std::size_t limits[] = {0, 1, 5, 64, 125, 300, 4096, 1'000'000};
    const parser_limits lim{.max_message = limits[selector & 7]};

    // 1. The same events however the bytes arrive.
    const run whole = feed(body, body.size() + 1, lim);
    check(whole.broken.empty());
    for (const std::size_t chunk : {std::size_t{split} + 1, std::size_t{1}}) {
        const run pieces = feed(body, chunk, lim);
        check(pieces.broken.empty());
        check(pieces.events == whole.events);
        check(pieces.left == whole.left);
    }

    // 2. Round trip: the body as a message a client sends, masked and fragmented.
    const bool binary = (selector & 8) != 0 || !valid_utf8(body);
    const std::size_t step = (split & 0x80) != 0 ? body.size() + 1 : 1 + split % 64;
    const bool with_ping = (selector & 16) != 0;
    const std::array<unsigned char, 4> key{selector, split, static_cast<unsigned char>(~selector),
                                           static_cast<unsigned char>(split ^ 0xa5)};
    std::string stream;
    for (std::size_t at = 0, i = 0; i == 0 || at < body.size(); at += step, ++i) {
        const std::string_view piece = body.substr(at, std::min(step, body.size() - at));
        const bool fin = at + step >= body.size();
        stream +=
            client_frame(i == 0 ? (binary ? opcode::binary : opcode::text) : opcode::continuation,
                         piece, fin, key);
        if (i == 0 && with_ping)
            stream += client_frame(
                opcode::ping, body.substr(0, std::min<std::size_t>(125, body.size())), true, key);
    }
    const auto expected = expected_events(body, binary, step, with_ping, lim.max_message);
    for (const std::size_t chunk : {stream.size() + 1, std::size_t{split} + 1}) {
        const run back = feed(stream, chunk, lim);
        check(back.broken.empty());
        check(back.events == expected);
    }

    // 3. UTF-8 against the plain decoder; a prefix of valid text is a valid start.
    const bool valid = plain_utf8(body);
    check(valid_utf8(body) == valid);
    const auto unfinished = senna::util::utf8_unfinished(body);
    check(unfinished.has_value() == (valid || (unfinished && *unfinished > 0)));
    if (unfinished)
        check(plain_utf8(body.substr(0, body.size() - *unfinished)));
    if (valid)
        check(senna::util::utf8_unfinished(body.substr(0, body.size() * split / 256)).has_value());

    // accept_key: no crash; an answer is always 28 characters of base64 (a SHA-1).
    if (const auto accept = accept_key(body.substr(0, 26)))
        check(accept->size() == 28);
    return 0;
}

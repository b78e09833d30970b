// The frame codec (websocket/frame.hpp): RFC 6455 5.7's examples, one test per rule the parser
// enforces (each close code it fails with), fragmentation with control frames between the
// fragments, the read loop fed byte by byte, memory held, and the writing side.

#include "test_support.hpp"
#include "websocket/frame.hpp"

#include <gtest/gtest.h>
#include <limits>

using namespace senna::websocket;
using namespace senna::websocket::test;

namespace {

/** The events of `stream` fed whole; checks that feeding it byte by byte (and 7 bytes at a
    time) gives the same and that the parser kept its contract both ways. */
std::vector<recorded> events_of(std::string_view stream, parser_limits limits = {}) {
    const run whole = feed(stream, stream.size() + 1, limits);
    EXPECT_EQ(whole.broken, "");
    for (const std::size_t chunk : {1, 7}) {
        const run pieces = feed(stream, chunk, limits);
        EXPECT_EQ(pieces.broken, "") << "chunk " << chunk;
        EXPECT_EQ(pieces.events, whole.events) << "chunk " << chunk;
        EXPECT_EQ(pieces.left, whole.left) << "chunk " << chunk;
    }
    return whole.events;
}

/** The close code of the error `stream` ends in, 0 if it does not end in one. */
std::uint16_t error_of(std::string_view stream, parser_limits limits = {}) {
    const auto events = events_of(stream, limits);
    if (events.empty() || events.back().type != event::kind::error)
        return 0;
    return events.back().code;
}

std::string masked_hello() {
    return bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
}

std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>(i * 7 + 3);
    return s;
}

recorded error(std::uint16_t code) {
    return {event::kind::error, false, {}, code};
}

} // namespace

// --- RFC 6455 5.7 ---------------------------------------------------------------------------

TEST(websocket_frame, rfc_single_frame_masked_text) {
    EXPECT_EQ(events_of(masked_hello()), std::vector{message("Hello")});
    EXPECT_EQ(client_frame(opcode::text, "Hello"), masked_hello()); // the test encoder agrees
}

TEST(websocket_frame, rfc_single_frame_unmasked_text_is_refused) {
    // Fine from a server; a client MUST mask (5.1).
    EXPECT_EQ(error_of(bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f})),
              close_code::protocol_error);
}

TEST(websocket_frame, rfc_fragmented_text) {
    // 0x01 0x03 "Hel", 0x80 0x02 "lo", masked as a client sends them.
    const std::string first = client_frame(opcode::text, "Hel", false);
    const std::string last = client_frame(opcode::continuation, "lo");
    EXPECT_EQ(first.substr(0, 2), bytes({0x01, 0x83}));
    EXPECT_EQ(last.substr(0, 2), bytes({0x80, 0x82}));
    EXPECT_EQ(events_of(first + last), std::vector{message("Hello")});
}

TEST(websocket_frame, rfc_ping_and_masked_pong) {
    EXPECT_EQ(events_of(client_frame(opcode::ping, "Hello")), std::vector{ping("Hello")});
    const std::string pong_frame =
        bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
    EXPECT_EQ(events_of(pong_frame), std::vector{pong("Hello")});
}

TEST(websocket_frame, rfc_256_bytes_binary_has_a_16_bit_length) {
    const std::string payload = pattern(256);
    const std::string frame = client_frame(opcode::binary, payload);
    EXPECT_EQ(frame.substr(0, 4), bytes({0x82, 0xfe, 0x01, 0x00}));
    EXPECT_EQ(parser::frame_size({frame.data(), frame.size()}), 4 + 4 + 256u);
    EXPECT_EQ(events_of(frame), std::vector{message(payload, true)});
}

TEST(websocket_frame, rfc_64_kib_binary_has_a_64_bit_length) {
    const std::string payload = pattern(65536);
    const std::string frame = client_frame(opcode::binary, payload);
    EXPECT_EQ(frame.substr(0, 10), bytes({0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0}));
    EXPECT_EQ(parser::frame_size({frame.data(), frame.size()}), 10 + 4 + 65536u);
    EXPECT_EQ(events_of(frame), std::vector{message(payload, true)});
}

TEST(websocket_frame, unmasks_every_length_around_the_8_byte_steps) {
    for (std::size_t n = 0; n <= 40; ++n) {
        const std::string payload = pattern(n);
        EXPECT_EQ(events_of(client_frame(opcode::binary, payload, true, {1, 2, 0xfe, 0x80})),
                  std::vector{message(payload, true)})
            << n;
    }
}

// --- 1002: protocol errors --------------------------------------------------------------------

TEST(websocket_frame, rsv_bits_are_protocol_errors) {
    for (const int rsv : {0x40, 0x20, 0x10}) {
        std::string frame = masked_hello();
        frame[0] = static_cast<char>(frame[0] | rsv);
        EXPECT_EQ(error_of(frame), close_code::protocol_error) << rsv;
        // Known from the first two bytes: nothing else needs to arrive.
        EXPECT_EQ(error_of(frame.substr(0, 2)), close_code::protocol_error) << rsv;
    }
}

TEST(websocket_frame, unknown_opcodes_are_protocol_errors) {
    for (const int op : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) {
        std::string frame = client_frame(opcode::text, "x");
        frame[0] = static_cast<char>(0x80 | op);
        EXPECT_EQ(error_of(frame), close_code::protocol_error) << op;
    }
}

TEST(websocket_frame, unmasked_frames_are_protocol_errors) {
    for (const opcode op : {opcode::binary, opcode::ping, opcode::close}) {
        std::array<unsigned char, 10> header{};
        const std::size_t n = write_header(op, 0, header);
        EXPECT_EQ(error_of(std::string(reinterpret_cast<const char*>(header.data()), n)),
                  close_code::protocol_error);
    }
}

TEST(websocket_frame, control_frames_longer_than_125_are_protocol_errors) {
    EXPECT_EQ(events_of(client_frame(opcode::ping, std::string(125, 'p'))),
              std::vector{ping(std::string(125, 'p'))});
    for (const opcode op : {opcode::ping, opcode::pong, opcode::close}) {
        const std::string frame = client_frame(op, std::string(126, 'p'));
        EXPECT_EQ(error_of(frame), close_code::protocol_error);
        EXPECT_EQ(error_of(frame.substr(0, 2)), close_code::protocol_error); // from the header
    }
}

TEST(websocket_frame, fragmented_control_frames_are_protocol_errors) {
    for (const opcode op : {opcode::ping, opcode::pong, opcode::close})
        EXPECT_EQ(error_of(client_frame(op, "", false)), close_code::protocol_error);
}

TEST(websocket_frame, continuation_without_a_message_is_a_protocol_error) {
    EXPECT_EQ(error_of(client_frame(opcode::continuation, "lo")), close_code::protocol_error);
    EXPECT_EQ(error_of(client_frame(opcode::continuation, "lo", false)),
              close_code::protocol_error);
    // Also right after a message completed.
    EXPECT_EQ(events_of(client_frame(opcode::text, "a", false) +
                        client_frame(opcode::continuation, "b") +
                        client_frame(opcode::continuation, "c")),
              (std::vector{message("ab"), error(close_code::protocol_error)}));
}

TEST(websocket_frame, new_message_inside_a_fragmented_one_is_a_protocol_error) {
    for (const opcode op : {opcode::text, opcode::binary}) {
        EXPECT_EQ(error_of(client_frame(opcode::text, "a", false) + client_frame(op, "b")),
                  close_code::protocol_error);
        EXPECT_EQ(error_of(client_frame(opcode::binary, "a", false) + client_frame(op, "b", false)),
                  close_code::protocol_error);
    }
}

TEST(websocket_frame, length_with_the_top_bit_set_is_a_protocol_error) {
    // Refused from the header alone: no payload follows.
    EXPECT_EQ(error_of(bytes({0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4})),
              close_code::protocol_error);
    // Even with a limit that would allow it.
    EXPECT_EQ(
        error_of(bytes({0x82, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4}),
                 {.max_message = std::numeric_limits<std::size_t>::max()}),
        close_code::protocol_error);
}

TEST(websocket_frame, non_minimal_lengths_are_accepted) {
    // "abc" with a 16-bit and with a 64-bit length; key 0 leaves the payload as is.
    EXPECT_EQ(events_of(bytes({0x81, 0xfe, 0, 3, 0, 0, 0, 0, 'a', 'b', 'c'})),
              std::vector{message("abc")});
    EXPECT_EQ(events_of(bytes({0x81, 0xff, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 'a', 'b', 'c'})),
              std::vector{message("abc")});
}

TEST(websocket_frame, close_of_one_byte_is_a_protocol_error) {
    const std::string frame = client_frame(opcode::close, "\x03");
    EXPECT_EQ(error_of(frame), close_code::protocol_error);
    EXPECT_EQ(error_of(frame.substr(0, 2)), close_code::protocol_error);
}

TEST(websocket_frame, close_codes_a_peer_may_not_send_are_protocol_errors) {
    for (const int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535})
        EXPECT_EQ(error_of(client_frame(opcode::close, bytes({code >> 8, code & 0xff, 'x'}))),
                  close_code::protocol_error)
            << code;
}

// --- 1009: too big ----------------------------------------------------------------------------

TEST(websocket_frame, message_above_the_limit_is_too_big_before_its_payload_arrives) {
    const parser_limits limits{.max_message = 100};
    EXPECT_EQ(events_of(client_frame(opcode::binary, pattern(100)), limits),
              std::vector{message(pattern(100), true)});
    const std::string frame = client_frame(opcode::binary, pattern(101));
    EXPECT_EQ(error_of(frame, limits), close_code::message_too_big);
    EXPECT_EQ(error_of(frame.substr(0, 8), limits), close_code::message_too_big); // header only
    // 64-bit length: a peer announcing 1 TiB is refused at once.
    EXPECT_EQ(error_of(bytes({0x82, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4})),
              close_code::message_too_big);
}

TEST(websocket_frame, fragments_count_together_against_the_limit) {
    const parser_limits limits{.max_message = 10};
    const std::string six = client_frame(opcode::text, "012345", false);
    EXPECT_EQ(events_of(six + client_frame(opcode::continuation, "6789"), limits),
              std::vector{message("0123456789")});
    const std::string five = client_frame(opcode::continuation, "6789a");
    EXPECT_EQ(error_of(six + five, limits), close_code::message_too_big);
    EXPECT_EQ(error_of(six + five.substr(0, 6), limits), close_code::message_too_big); // header
    // Control frames between them do not count.
    EXPECT_EQ(events_of(six + client_frame(opcode::ping, "0123456789") +
                            client_frame(opcode::continuation, "6789"),
                        limits),
              (std::vector{ping("0123456789"), message("0123456789")}));
}

// --- 1007: invalid UTF-8 ---------------------------------------------------------------------

TEST(websocket_frame, text_that_is_not_utf8_is_invalid_payload) {
    EXPECT_EQ(error_of(client_frame(opcode::text, "ok \xC0\xAF")), close_code::invalid_payload);
    EXPECT_EQ(error_of(client_frame(opcode::text, "\xED\xA0\x80")), close_code::invalid_payload);
    // The same bytes are fine in a binary message.
    EXPECT_EQ(events_of(client_frame(opcode::binary, "ok \xC0\xAF")),
              std::vector{message("ok \xC0\xAF", true)});
}

TEST(websocket_frame, fragmented_text_is_checked_fragment_by_fragment) {
    // Fails at the fragment with the bad byte, before the message ends (fail fast).
    EXPECT_EQ(events_of(client_frame(opcode::text, "ok", false) +
                        client_frame(opcode::continuation, "\xFF", false)),
              std::vector{error(close_code::invalid_payload)});
    // A surrogate's first two bytes already fail.
    EXPECT_EQ(error_of(client_frame(opcode::text, "a\xED\xA0", false)),
              close_code::invalid_payload);
}

TEST(websocket_frame, code_point_split_across_fragments_is_accepted) {
    // U+1F44A (F0 9F 91 8A) cut after each of its bytes, and spread over four fragments.
    const std::string fist = "\xF0\x9F\x91\x8A";
    for (std::size_t cut = 1; cut < 4; ++cut)
        EXPECT_EQ(events_of(client_frame(opcode::text, "a" + fist.substr(0, cut), false) +
                            client_frame(opcode::continuation, fist.substr(cut) + "b")),
                  std::vector{message("a" + fist + "b")})
            << cut;
    std::string four;
    for (std::size_t i = 0; i < 4; ++i)
        four +=
            client_frame(i == 0 ? opcode::text : opcode::continuation, fist.substr(i, 1), i == 3);
    EXPECT_EQ(events_of(four), std::vector{message(fist)});
}

TEST(websocket_frame, text_ending_inside_a_code_point_is_invalid_payload) {
    EXPECT_EQ(error_of(client_frame(opcode::text, "a\xE2\x82")), close_code::invalid_payload);
    EXPECT_EQ(error_of(client_frame(opcode::text, "a\xE2", false) +
                       client_frame(opcode::continuation, "\x82")),
              close_code::invalid_payload);
}

TEST(websocket_frame, close_reason_that_is_not_utf8_is_invalid_payload) {
    EXPECT_EQ(error_of(client_frame(opcode::close, close_payload(1000) + "\xC3")),
              close_code::invalid_payload);
}

// --- close ------------------------------------------------------------------------------------

TEST(websocket_frame, close_frames) {
    EXPECT_EQ(events_of(client_frame(opcode::close, "")),
              std::vector{close(close_code::no_status)});
    EXPECT_EQ(events_of(client_frame(opcode::close, close_payload(1000, "bye"))),
              std::vector{close(1000, "bye")});
    for (const std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999})
        EXPECT_EQ(events_of(client_frame(opcode::close, close_payload(code, "é"))),
                  std::vector{close(code, "é")})
            << code;
}

// --- zero-length frames, control frames inside messages ---------------------------------------

TEST(websocket_frame, zero_length_frames_are_fine) {
    EXPECT_EQ(events_of(client_frame(opcode::text, "") + client_frame(opcode::binary, "") +
                        client_frame(opcode::ping, "") + client_frame(opcode::pong, "")),
              (std::vector{message(""), message("", true), ping(), pong()}));
    EXPECT_EQ(events_of(client_frame(opcode::text, "", false) +
                        client_frame(opcode::continuation, "", false) +
                        client_frame(opcode::continuation, "")),
              std::vector{message("")});
}

TEST(websocket_frame, empty_and_non_final_fragments_consume_without_an_event) {
    parser p;
    std::string first = client_frame(opcode::binary, "ab", false);
    std::string empty = client_frame(opcode::continuation, "", false);
    const step s1 = p.next({first.data(), first.size()});
    EXPECT_EQ(s1.consumed, first.size());
    EXPECT_FALSE(s1.ev);
    EXPECT_TRUE(p.in_message());
    const step s2 = p.next({empty.data(), empty.size()});
    EXPECT_EQ(s2.consumed, empty.size());
    EXPECT_FALSE(s2.ev);
}

TEST(websocket_frame, control_frames_between_fragments_leave_the_message_alone) {
    const std::string stream =
        client_frame(opcode::text, "He", false) + client_frame(opcode::ping, "p1") +
        client_frame(opcode::continuation, "l", false, {9, 8, 7, 6}) + client_frame(opcode::pong) +
        client_frame(opcode::ping, "p2") + client_frame(opcode::continuation, "lo") +
        client_frame(opcode::binary, pattern(300), false) +
        client_frame(opcode::close, close_payload(1001, "away")) +
        client_frame(opcode::continuation, "!");
    EXPECT_EQ(events_of(stream),
              (std::vector{ping("p1"), pong(), ping("p2"), message("Hello"), close(1001, "away"),
                           message(pattern(300) + "!", true)}));
}

TEST(websocket_frame, control_frame_payload_points_into_the_callers_buffer) {
    parser p;
    std::string stream = client_frame(opcode::text, "Hel", false) + client_frame(opcode::ping, "x");
    const step s1 = p.next({stream.data(), stream.size()});
    const std::span<char> rest(stream.data() + s1.consumed, stream.size() - s1.consumed);
    const step s2 = p.next(rest);
    ASSERT_TRUE(s2.ev);
    EXPECT_EQ(s2.ev->payload, "x");
    EXPECT_GE(s2.ev->payload.data(), rest.data());
    EXPECT_LT(s2.ev->payload.data(), rest.data() + rest.size());
    EXPECT_TRUE(p.in_message());
}

// --- the read loop --------------------------------------------------------------------------

TEST(websocket_frame, byte_by_byte_gives_the_same_events_as_whole) {
    const std::string stream =
        masked_hello() + client_frame(opcode::text, "κό", false) + client_frame(opcode::ping) +
        client_frame(opcode::continuation, "\xCF", false) +
        client_frame(opcode::continuation, "\x83με") + client_frame(opcode::binary, pattern(300)) +
        client_frame(opcode::binary, pattern(70000)) + client_frame(opcode::pong, "Hello") +
        client_frame(opcode::close, close_payload(1000, "done"));
    const auto events = events_of(stream); // checks byte by byte and 7 at a time against it
    EXPECT_EQ(events,
              (std::vector{message("Hello"), ping(), message("κόσμε"), message(pattern(300), true),
                           message(pattern(70000), true), pong("Hello"), close(1000, "done")}));
    // And stopping in the middle of a frame leaves it to the caller.
    const run cut = feed(stream.substr(0, stream.size() - 3), 1);
    EXPECT_EQ(cut.broken, "");
    EXPECT_EQ(cut.left, client_frame(opcode::close, close_payload(1000, "done")).size() - 3);
}

TEST(websocket_frame, incomplete_frame_is_left_untouched) {
    parser p;
    std::string frame = client_frame(opcode::text, "Hello");
    frame.pop_back();
    const std::string before = frame;
    const step s = p.next({frame.data(), frame.size()});
    EXPECT_EQ(s.consumed, 0u);
    EXPECT_FALSE(s.ev);
    EXPECT_EQ(frame, before); // not unmasked: the next call sees the same bytes plus more
}

TEST(websocket_frame, unfragmented_message_points_into_the_callers_buffer) {
    parser p;
    std::string frame = masked_hello();
    const step s = p.next({frame.data(), frame.size()});
    ASSERT_TRUE(s.ev);
    EXPECT_EQ(s.ev->payload.data(), frame.data() + 6);
    EXPECT_EQ(frame.substr(6), "Hello"); // unmasked in place
    EXPECT_EQ(p.held_bytes(), 0u);
}

TEST(websocket_frame, failed_parser_stays_failed) {
    parser p;
    std::string bad = client_frame(opcode::text, "\xFF");
    std::string good = masked_hello();
    const step s = p.next({bad.data(), bad.size()});
    ASSERT_TRUE(s.ev);
    EXPECT_EQ(s.ev->type, event::kind::error);
    EXPECT_EQ(s.ev->code, close_code::invalid_payload);
    EXPECT_EQ(s.ev->payload, "text message not UTF-8");
    EXPECT_EQ(s.consumed, 0u);
    for (int i = 0; i < 2; ++i) {
        const step again = p.next({good.data(), good.size()});
        EXPECT_EQ(again.consumed, 0u);
        ASSERT_TRUE(again.ev);
        EXPECT_EQ(again.ev->type, event::kind::error);
        EXPECT_EQ(again.ev->code, close_code::invalid_payload);
        p.reset(); // releases memory, does not clear the failure
    }
}

// --- frame_size, memory ---------------------------------------------------------------------

TEST(websocket_frame, frame_size) {
    const auto size = [](std::string_view s) { return parser::frame_size({s.data(), s.size()}); };
    EXPECT_EQ(size(""), 0u);
    EXPECT_EQ(size("\x81"), 0u);
    const std::string hello = masked_hello();
    for (std::size_t n = 2; n < 6; ++n)
        EXPECT_EQ(size(hello.substr(0, n)), 0u) << n; // the masking key is part of the header
    for (std::size_t n = 6; n <= hello.size(); ++n)
        EXPECT_EQ(size(hello.substr(0, n)), 11u) << n;
    const std::string mid = client_frame(opcode::binary, pattern(300));
    EXPECT_EQ(size(mid.substr(0, 7)), 0u);
    EXPECT_EQ(size(mid.substr(0, 8)), 308u);
    const std::string big = client_frame(opcode::binary, pattern(70000));
    EXPECT_EQ(size(big.substr(0, 13)), 0u);
    EXPECT_EQ(size(big.substr(0, 14)), 70014u);
    EXPECT_EQ(size(bytes({0x81, 0x05})), 7u); // unmasked: no key
    EXPECT_EQ(size(bytes({0x82, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})),
              std::numeric_limits<std::size_t>::max());
}

TEST(websocket_frame, parser_holds_nothing_when_idle) {
    parser p;
    EXPECT_EQ(p.held_bytes(), 0u);
    std::string stream = client_frame(opcode::binary, pattern(5000), false) +
                         client_frame(opcode::continuation, pattern(5000));
    std::span<char> buf(stream.data(), stream.size());
    step s = p.next(buf);
    EXPECT_TRUE(p.in_message());
    EXPECT_GE(p.held_bytes(), 5000u);
    buf = buf.subspan(s.consumed);
    s = p.next(buf);
    ASSERT_TRUE(s.ev);
    EXPECT_EQ(s.ev->payload, pattern(5000) + pattern(5000));
    EXPECT_FALSE(p.in_message());
    EXPECT_GE(p.held_bytes(), 10000u); // the event's payload lives there until the next call
    buf = buf.subspan(s.consumed);
    s = p.next(buf); // nothing left: "need more", and the buffer is gone
    EXPECT_EQ(s.consumed, 0u);
    EXPECT_FALSE(s.ev);
    EXPECT_EQ(p.held_bytes(), 0u);

    std::string part = client_frame(opcode::text, "abc", false);
    p.next({part.data(), part.size()});
    EXPECT_GT(p.held_bytes(), 0u);
    p.reset();
    EXPECT_EQ(p.held_bytes(), 0u);
    EXPECT_FALSE(p.in_message());
    std::string stray = client_frame(opcode::continuation, "d");
    EXPECT_EQ(p.next({stray.data(), stray.size()}).ev->code, close_code::protocol_error);
    EXPECT_EQ(p.held_bytes(), 0u);
}

TEST(websocket_frame, parser_fits_its_budget) {
    EXPECT_LE(sizeof(parser), 48u); // one lives in every connection
}

// --- the writing side -----------------------------------------------------------------------

TEST(websocket_frame, write_header_lengths) {
    std::array<unsigned char, 10> out{};
    const auto header = [&](opcode op, std::uint64_t len, bool fin = true) {
        const std::size_t n = write_header(op, len, out, fin);
        return std::string(reinterpret_cast<const char*>(out.data()), n);
    };
    EXPECT_EQ(header(opcode::text, 0), bytes({0x81, 0}));
    EXPECT_EQ(header(opcode::text, 125), bytes({0x81, 125}));
    EXPECT_EQ(header(opcode::binary, 126), bytes({0x82, 126, 0, 126}));
    EXPECT_EQ(header(opcode::binary, 65535), bytes({0x82, 126, 0xff, 0xff}));
    EXPECT_EQ(header(opcode::binary, 65536), bytes({0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}));
    EXPECT_EQ(header(opcode::binary, 0x0102030405060708),
              bytes({0x82, 127, 1, 2, 3, 4, 5, 6, 7, 8}));
    EXPECT_EQ(header(opcode::text, 3, false), bytes({0x01, 3}));
    EXPECT_EQ(header(opcode::continuation, 2), bytes({0x80, 2}));
    EXPECT_EQ(header(opcode::close, 2), bytes({0x88, 2}));
    EXPECT_EQ(header(opcode::ping, 5), bytes({0x89, 5}));
    EXPECT_EQ(header(opcode::pong, 5), bytes({0x8a, 5}));
}

TEST(websocket_frame, close_payload) {
    EXPECT_EQ(close_payload(1000), bytes({0x03, 0xe8}));
    EXPECT_EQ(close_payload(1001, "bye"), bytes({0x03, 0xe9, 'b', 'y', 'e'}));
    EXPECT_EQ(close_payload(close_code::no_status, "ignored"), "");
    EXPECT_EQ(close_payload(4999, std::string(200, 'x')),
              bytes({0x13, 0x87}) + std::string(123, 'x'));
    // 122 ASCII bytes then "é" (2 bytes) would be 124: "é" goes whole.
    const std::string reason = std::string(122, 'x') + "é";
    EXPECT_EQ(close_payload(1000, reason), bytes({0x03, 0xe8}) + std::string(122, 'x'));
    EXPECT_EQ(close_payload(1000, std::string(121, 'x') + "é"),
              bytes({0x03, 0xe8}) + std::string(121, 'x') + "é");
    // A 4-byte code point across the cut.
    EXPECT_EQ(close_payload(1000, std::string(121, 'x') + "\xF0\x9F\x91\x8A"),
              bytes({0x03, 0xe8}) + std::string(121, 'x'));
    // What the server sends, a client's parser would accept (the same checks).
    EXPECT_EQ(events_of(client_frame(opcode::close, close_payload(1000, reason))),
              std::vector{close(1000, std::string(122, 'x'))});
}

TEST(websocket_frame, valid_close_code) {
    for (const std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012,
                                     1013, 1014, 3000, 3999, 4000, 4999})
        EXPECT_TRUE(valid_close_code(code)) << code;
    for (const std::uint16_t code :
         {0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1999, 2000, 2999, 5000, 65535})
        EXPECT_FALSE(valid_close_code(code)) << code;
}

// --- UTF-8 (Markus Kuhn's UTF-8 decoder capability and stress test) ---------------------------

TEST(websocket_utf8, valid_text) {
    EXPECT_TRUE(valid_utf8(""));
    EXPECT_TRUE(valid_utf8("\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5")); // 1 κόσμε
    EXPECT_TRUE(valid_utf8(std::string_view("\0", 1)));                      // 2.1 U+0000
    EXPECT_TRUE(valid_utf8("\xC2\x80"));                                     // 2.1 U+0080
    EXPECT_TRUE(valid_utf8("\xE0\xA0\x80"));                                 // 2.1 U+0800
    EXPECT_TRUE(valid_utf8("\xF0\x90\x80\x80"));                             // 2.1 U+10000
    EXPECT_TRUE(valid_utf8("\x7F"));                                         // 2.2 U+007F
    EXPECT_TRUE(valid_utf8("\xDF\xBF"));                                     // 2.2 U+07FF
    EXPECT_TRUE(valid_utf8("\xEF\xBF\xBF"));                                 // 2.2 U+FFFF
    EXPECT_TRUE(valid_utf8("\xF4\x8F\xBF\xBF"));                             // 2.3 U+10FFFF
    EXPECT_TRUE(valid_utf8("\xED\x9F\xBF"));                                 // 2.3 U+D7FF
    EXPECT_TRUE(valid_utf8("\xEE\x80\x80"));                                 // 2.3 U+E000
    EXPECT_TRUE(valid_utf8("\xEF\xBF\xBD"));                                 // 2.3 U+FFFD
    EXPECT_TRUE(valid_utf8("\xF0\x9F\x91\x8A plus ASCII after a 4-byte sequence"));
}

TEST(websocket_utf8, invalid_text) {
    for (const std::string_view bad : {
             "\x80",
             "\xBF",
             "\x80\xBF", // 3.1 unexpected continuation bytes
             "\xC0 ",
             "\xE0 ",
             "\xF0 ", // 3.2 lonely start bytes
             "\xF8\x88\x80\x80\x80",
             "\xFC\x84\x80\x80\x80\x80", // 3.2 5- and 6-byte forms
             "\xC2",
             "\xE0\xA0",
             "\xF0\x90\x80",
             "\xDF",
             "\xEF\xBF",
             "\xF4\x8F\xBF",     // 3.3 truncated
             "\xE0\xA0\xC2\x80", // 3.4 cut, then more
             "\xFE",
             "\xFF",
             "\xFE\xFE\xFF\xFF", // 3.5 impossible bytes
             "\xC0\xAF",
             "\xE0\x80\xAF",
             "\xF0\x80\x80\xAF",
             "\xC1\xBF", // 4.1/4.2 overlong
             "\xE0\x9F\xBF",
             "\xF0\x8F\xBF\xBF",
             "\xC0\x80",
             "\xE0\x80\x80", // 4.2/4.3 overlong
             "\xED\xA0\x80",
             "\xED\xAD\xBF",
             "\xED\xAE\x80",
             "\xED\xAF\xBF", // 5.1 surrogates
             "\xED\xB0\x80",
             "\xED\xBE\x80",
             "\xED\xBF\xBF", // 5.1 surrogates
             "\xED\xA0\x80\xED\xB0\x80",
             "\xED\xAF\xBF\xED\xBF\xBF", // 5.2 pairs
             "\xF4\x90\x80\x80",
             "\xF5\x80\x80\x80",
             "\xF7\xBF\xBF\xBF", // > U+10FFFF
         })
        EXPECT_FALSE(valid_utf8(bad)) << testing::PrintToString(std::string(bad));
}

TEST(websocket_utf8, ascii_fast_path_sees_every_position) {
    // A sequence anywhere in long ASCII: inside an 8-byte word, across two, in the tail.
    for (std::size_t at = 0; at <= 40; ++at) {
        const auto around = [at](std::string_view s) {
            return std::string(at, 'a') + std::string(s) + std::string(40 - at, 'b');
        };
        EXPECT_TRUE(valid_utf8(around("\xC3\xA9"))) << at;
        EXPECT_FALSE(valid_utf8(around("\xC3"))) << at;
        EXPECT_FALSE(valid_utf8(around("\x80"))) << at;
    }
}

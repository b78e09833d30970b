// Decoders against random and mutated input: they must never crash or throw, and whatever
// they accept must survive encode → decode unchanged. Deterministic seeds; the libFuzzer
// target tests/fuzz/engineio_payload_fuzz.cpp explores further.

#include "engineio/packet.hpp"
#include "engineio/payload.hpp"

#include <gtest/gtest.h>
#include <random>
#include <string>
#include <vector>

using namespace senna::engineio;

namespace {

constexpr payload_format formats[] = {payload_format::v4, payload_format::v3_text,
                                      payload_format::v3_binary};

std::string random_bytes(std::mt19937& rng, std::size_t max_size, std::string_view alphabet = {}) {
    std::uniform_int_distribution<std::size_t> size(0, max_size);
    std::uniform_int_distribution<int> byte(0, 255);
    std::string s(size(rng), '\0');
    for (auto& c : s)
        c = alphabet.empty() ? static_cast<char>(byte(rng))
                             : alphabet[static_cast<std::size_t>(byte(rng)) % alphabet.size()];
    return s;
}

/** Valid UTF-8 text from a small set of 1- to 4-byte characters (no record separator). */
std::string random_text(std::mt19937& rng, std::size_t max_chars) {
    static const std::vector<std::string> chars{"a", "4", ":", "b", "é", "€", "😀", "\x7f", "\n"};
    std::uniform_int_distribution<std::size_t> count(0, max_chars), pick(0, chars.size() - 1);
    std::string s;
    for (std::size_t n = count(rng); n > 0; --n)
        s += chars[pick(rng)];
    return s;
}

/** decode(encode(decode(body))) == decode(body) for whatever `body` decodes to. */
void check_stable(std::string_view body, payload_format f) {
    const auto first = decode_payload(body, f);
    if (!first)
        return;
    std::string again;
    encode_payload(*first, f, again);
    const auto second = decode_payload(again, f);
    ASSERT_TRUE(second) << second.error().message();
    EXPECT_EQ(*second, *first);
}

} // namespace

TEST(engineio_robustness, random_bytes_never_crash) {
    std::mt19937 rng(20240601);
    for (int i = 0; i < 20000; ++i) {
        // Bias half the inputs toward the framing alphabet so deeper paths get reached.
        static constexpr char framing[] = "0123456789:b4\x1e\x00\x01\xff=A";
        const std::string body =
            i % 2 == 0 ? random_bytes(rng, 64)
                       : random_bytes(rng, 64, std::string_view(framing, sizeof framing - 1));
        for (const auto f : formats)
            check_stable(body, f);
        for (const auto v : {version::v3, version::v4})
            for (const auto k : {frame_kind::text, frame_kind::binary})
                (void)decode_frame(body, k, v);
    }
}

TEST(engineio_robustness, mutated_examples_never_crash) {
    const std::string seeds[] = {
        "4hello\x1e"
        "2\x1e"
        "4world",
        "4hello\x1e"
        "bAQIDBA==",
        "6:4hello2:4€",
        "2:4€10:b4AQIDBA==",
        "3:4😀",
        std::string("\x00\x04\xff\x34\xe2\x82\xac\x01\x05\xff\x04\x01\x02\x03\x04", 15),
    };
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> byte(0, 255), op(0, 2);
    for (const auto& seed : seeds) {
        for (int i = 0; i < 3000; ++i) {
            std::string body = seed;
            for (int edits = 1 + i % 3; edits > 0 && !body.empty(); --edits) {
                const auto at = static_cast<std::size_t>(byte(rng)) % body.size();
                switch (op(rng)) {
                case 0:
                    body[at] = static_cast<char>(byte(rng));
                    break;
                case 1:
                    body.erase(at, 1);
                    break;
                default:
                    body.insert(at, 1, static_cast<char>(byte(rng)));
                }
            }
            for (const auto f : formats)
                check_stable(body, f);
        }
    }
}

TEST(engineio_robustness, random_packets_round_trip_in_every_format) {
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> type(0, 6), count(1, 5), coin(0, 3);
    for (int i = 0; i < 3000; ++i) {
        std::vector<packet> packets;
        for (int n = count(rng); n > 0; --n) {
            packet p{static_cast<packet_type>(type(rng)), {}, coin(rng) == 0};
            if (p.binary) {
                p.type = packet_type::message; // v4 cannot carry the type of binary packets
                p.data = random_bytes(rng, 40);
            } else {
                p.data = random_text(rng, 20);
            }
            packets.push_back(std::move(p));
        }
        for (const auto f : formats) {
            std::string body;
            encode_payload(packets, f, body);
            const auto back = decode_payload(body, f);
            ASSERT_TRUE(back) << back.error().message();
            EXPECT_EQ(*back, packets);
        }
        for (const auto v : {version::v3, version::v4}) {
            for (const bool b64 : {false, true}) {
                std::string frame;
                const auto kind = encode_frame(packets.front(), frame, v, b64);
                const auto back = decode_frame(frame, kind, v);
                ASSERT_TRUE(back) << back.error().message();
                EXPECT_EQ(*back, packets.front());
            }
        }
    }
}

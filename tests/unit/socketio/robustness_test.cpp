// The decoder against random and mutated input: never a crash or an exception, and whatever
// it accepts re-encodes to a canonical text that decodes and encodes to itself. Deterministic
// seeds; tests/fuzz/socketio_packet_fuzz.cpp explores further.

#include "socketio/binary.hpp"
#include "socketio/packet.hpp"

#include <gtest/gtest.h>
#include <random>
#include <string>

using namespace senna::socketio;

namespace {

std::string random_string(std::mt19937& rng, std::size_t max_size, std::string_view alphabet) {
    std::uniform_int_distribution<std::size_t> size(0, max_size), pick(0, alphabet.size() - 1);
    std::string s(size(rng), '\0');
    for (auto& c : s)
        c = alphabet[pick(rng)];
    return s;
}

/** The text of a decoded packet; a binary header's attachments come later, so stand-ins
    make its announced count encode. */
std::string canonical(packet p) {
    if (p.pending_attachments != 0) // a header: its attachments are still to come
        p.attachments.assign(p.pending_attachments, "x");
    return encode(p);
}

/** encode(decode(x)) is a fixed point: decoding and encoding it again changes nothing. */
void check_canonical(std::string_view text) {
    const auto first = decode(text);
    if (!first)
        return;
    const std::string once = canonical(*first);
    const auto second = decode(once);
    ASSERT_TRUE(second) << text << " -> " << once << ": " << second.error().message();
    EXPECT_EQ(canonical(*second), once) << text;
    EXPECT_EQ(second->type, first->type);
    EXPECT_EQ(second->nsp, first->nsp.empty() ? "/" : first->nsp);
    EXPECT_EQ(second->id, first->id);
    EXPECT_EQ(second->pending_attachments, first->pending_attachments);
}

} // namespace

TEST(socketio_robustness, random_bytes_never_crash) {
    std::mt19937 rng(99);
    std::string all_bytes;
    for (int b = 0; b < 256; ++b)
        all_bytes += static_cast<char>(b);
    const std::string_view grammar = R"(0123456-/,[]{}":_placeholdernumtrue.eE )";
    for (int i = 0; i < 30000; ++i) {
        const std::string text = random_string(rng, 48, i % 2 == 0 ? all_bytes : grammar);
        check_canonical(text);
    }
}

TEST(socketio_robustness, mutated_examples_never_crash) {
    const std::string seeds[] = {
        R"(0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"})",
        R"(2/admin,456["project:delete",123])",
        R"(52-/admin,7["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
        R"(3/admin,13["bar",{"a":[1.5,-2e-9,null,true]}])",
        R"(4{"message":"Not authorized"})",
        "1/admin,",
    };
    std::mt19937 rng(5);
    std::uniform_int_distribution<int> byte(0, 255), op(0, 2);
    for (const auto& seed : seeds) {
        for (int i = 0; i < 4000; ++i) {
            std::string text = seed;
            for (int edits = 1 + i % 3; edits > 0 && !text.empty(); --edits) {
                const auto at = static_cast<std::size_t>(byte(rng)) % text.size();
                const char c =
                    i % 4 == 0 ? static_cast<char>(byte(rng)) : seed[byte(rng) % seed.size()];
                switch (op(rng)) {
                case 0:
                    text[at] = c;
                    break;
                case 1:
                    text.erase(at, 1);
                    break;
                default:
                    text.insert(at, 1, c);
                }
            }
            check_canonical(text);
        }
    }
}

TEST(socketio_robustness, random_message_sequences_keep_the_decoder_sane) {
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> kind(0, 3), count(0, 3);
    decoder d({.max_attachments = 3, .max_attachment_bytes = 64});
    const std::string headers[] = {
        R"(51-["a",{"_placeholder":true,"num":0}])",
        R"(62-1[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}])",
        R"(2["a"])",
        R"(50-["a"])",
    };
    for (int i = 0; i < 20000; ++i) {
        const auto k = kind(rng);
        boost::system::result<std::optional<packet>> r =
            k == 0 ? d.on_text(headers[static_cast<std::size_t>(count(rng))])
                   : d.on_binary(std::string(static_cast<std::size_t>(count(rng)) * 10, 'x'));
        if (r && *r) {
            const packet& p = **r;
            EXPECT_EQ(p.pending_attachments, 0u);
            EXPECT_TRUE(placeholders_valid(p.data, p.attachments.size()));
        }
    }
}

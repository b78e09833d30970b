// libFuzzer target for the Socket.IO codec (socketio/packet.hpp, socketio/binary.hpp). The
// input is a sequence of Engine.IO messages separated by 0x1e; a message starting with 0x00 is
// binary (the rest is its bytes), anything else is text. Checks: no crash, no exception, no
// sanitizer report; every decoded packet re-encodes to a text that decodes and encodes to
// itself, and its placeholders fit its attachments.
//
// Built and run by scripts/fuzz.sh (briefly by scripts/test.sh, so CI too):
//   scripts/fuzz.sh socketio_packet_fuzz   (FUZZ_SECONDS=60 by default)

#include "socketio/binary.hpp"
#include "socketio/packet.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace senna::socketio;

namespace {

std::string canonical(packet p) {
    if (p.pending_attachments != 0) // a header: its attachments are still to come
        p.attachments.assign(p.pending_attachments, "x");
    return encode(p);
}

void check(const packet& p) {
    // A complete binary packet's placeholders fit the attachments it carries.
    if (is_binary(p.type) && p.pending_attachments == 0 &&
        !placeholders_valid(p.data, p.attachments.size()))
        std::abort();
    const std::string once = canonical(p);
    const auto again = decode(once);
    if (!again || canonical(*again) != once)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    const limits lim{.max_attachments = 4, .max_attachment_bytes = 4096, .max_depth = 16};

    // The whole input as one packet text.
    if (const auto p = decode(input, lim))
        check(*p);

    // The input as a message sequence through the stateful decoder.
    decoder d(lim);
    while (true) {
        const auto end = input.find('\x1e');
        const std::string_view message = input.substr(0, end);
        const auto r = !message.empty() && message.front() == '\0' ? d.on_binary(message.substr(1))
                                                                   : d.on_text(message);
        if (r && *r)
            check(**r);
        if (end == std::string_view::npos)
            break;
        input.remove_prefix(end + 1);
    }
    return 0;
}

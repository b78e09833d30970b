// libFuzzer target for the Socket.IO codec (socketio/packet.hpp, socketio/binary.hpp). The
// input is a sequence of Engine.IO messages separated by 0x1e; a message starting with 0x00 is
// binary (the rest is its bytes), anything else is text. Checks: no crash, no exception, no
// sanitizer report; every decoded packet re-encodes to a text that decodes and encodes to
// itself (unless it holds an infinity or NaN, see finite()), and its placeholders fit its
// attachments; a complete packet, encoded and sent as its text message and then one binary
// message per attachment, comes out of a fresh decoder with the same type, namespace, id,
// JSON and attachments (placeholders + reassembly round trip).
//
// Built and run by scripts/fuzz.sh (briefly by scripts/test.sh, so CI too):
//   scripts/fuzz.sh socketio_packet_fuzz   (FUZZ_SECONDS=60 by default)

#include "socketio/binary.hpp"
#include "socketio/packet.hpp"

#include <algorithm>
#include <cmath>
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

/** No infinity or NaN inside: those have no JSON text (1e999 is parsed as infinity, 0e999 as
    NaN), so the encoder writes null as JSON.stringify does, and `2[1e999]` (valid: a numeric
    event name) re-encodes to `2[null]` (invalid): no round trip to check there. */
bool finite(const boost::json::value& v) {
    if (v.is_double())
        return std::isfinite(v.get_double());
    if (const auto* a = v.if_array())
        return std::all_of(a->begin(), a->end(), [](const auto& e) { return finite(e); });
    if (const auto* o = v.if_object())
        return std::all_of(o->begin(), o->end(), [](const auto& e) { return finite(e.value()); });
    return true;
}

void check(const packet& p, const limits& lim) {
    // A complete binary packet's placeholders fit the attachments it carries.
    if (is_binary(p.type) && p.pending_attachments == 0 &&
        !placeholders_valid(p.data, p.attachments.size()))
        std::abort();
    if (!finite(p.data))
        return;
    const std::string once = canonical(p);
    const auto again = decode(once);
    if (!again || canonical(*again) != once)
        std::abort();
    if (p.pending_attachments != 0)
        return;

    // Sent as the encoder would send it and reassembled by the receive side.
    decoder d(lim);
    auto r = d.on_text(encode(p));
    for (const auto& a : p.attachments) {
        if (!r || *r) // a packet before its last attachment arrived
            std::abort();
        r = d.on_binary(a);
    }
    if (!r || !*r || d.busy())
        std::abort();
    const packet& back = **r;
    if (back.nsp != p.nsp || back.id != p.id || back.attachments != p.attachments ||
        back.pending_attachments != 0 || back.type != p.type || encode(back) != encode(p))
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    const limits lim{.max_attachments = 4, .max_attachment_bytes = 4096, .max_depth = 16};

    // The whole input as one packet text.
    if (const auto p = decode(input, lim))
        check(*p, lim);

    // The input as a message sequence through the stateful decoder.
    decoder d(lim);
    while (true) {
        const auto end = input.find('\x1e');
        const std::string_view message = input.substr(0, end);
        const auto r = !message.empty() && message.front() == '\0' ? d.on_binary(message.substr(1))
                                                                   : d.on_text(message);
        if (r && *r)
            check(**r, lim);
        if (end == std::string_view::npos)
            break;
        input.remove_prefix(end + 1);
    }
    return 0;
}

// libFuzzer target for the Engine.IO codecs (engineio/packet.hpp, engineio/payload.hpp).
// The first byte picks the format; the rest is the body. Checks: no crash, no exception, no
// sanitizer report; whatever decodes re-encodes to a body that decodes to the same packets.
//
// Built and run by scripts/fuzz.sh (briefly by scripts/test.sh, so CI too):
//   scripts/fuzz.sh engineio_payload_fuzz   (FUZZ_SECONDS=60 by default)

#include "engineio/packet.hpp"
#include "engineio/payload.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace senna::engineio;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    const std::uint8_t selector = data[0];
    const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

    static constexpr payload_format formats[] = {payload_format::v4, payload_format::v3_text,
                                                 payload_format::v3_binary};
    const payload_format format = formats[selector % 3];
    const payload_limits limits{.max_packets = 64, .max_packet_size = 4096};
    if (const auto packets = decode_payload(body, format, limits)) {
        std::string again;
        encode_payload(*packets, format, again);
        const auto back = decode_payload(again, format, limits);
        if (!back || *back != *packets)
            std::abort();
    }

    const version v = (selector & 4) != 0 ? version::v3 : version::v4;
    const frame_kind kind = (selector & 8) != 0 ? frame_kind::binary : frame_kind::text;
    if (const auto p = decode_frame(body, kind, v)) {
        std::string frame;
        const auto out_kind = encode_frame(*p, frame, v, (selector & 16) != 0);
        const auto back = decode_frame(frame, out_kind, v);
        // v4 binary frames carry no type: only messages survive them unchanged.
        if (!back || (*back != *p && !(v == version::v4 && p->binary)))
            std::abort();
    }
    return 0;
}

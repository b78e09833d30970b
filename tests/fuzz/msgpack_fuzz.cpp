// libFuzzer target for the msgpack codec and the redis-adapter broadcast codec
// (realtime/msgpack.hpp, realtime/adapter_codec.hpp). Checks: no crash, no exception, no
// sanitizer report; a decoded value re-encodes to bytes that decode to a value encoding to the
// same bytes, with the same JSON (and attachments) both times; a decoded broadcast re-encodes
// to a message that decodes to the same broadcast.
//
// Built and run by scripts/fuzz.sh:
//   scripts/fuzz.sh msgpack_fuzz   (FUZZ_SECONDS=60 by default)

#include "realtime/adapter_codec.hpp"
#include "realtime/msgpack.hpp"
#include "realtime/msgpack_json.hpp"
#include "socketio/binary.hpp"
#include "socketio/json.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

using namespace senna::realtime;

namespace {

std::string json_text(const msgpack::value& v, std::vector<std::string>& attachments) {
    return senna::socketio::to_json(msgpack::to_json(v, attachments, socketio_placeholders));
}

/** Objects shaped like {"_placeholder":true,...}. A map of that shape that was not binary is
    taken for one on the way back, as socket.io-parser takes it: skip those inputs there. */
std::size_t placeholders(const boost::json::value& v) {
    std::size_t n = 0;
    if (const auto* a = v.if_array())
        for (const auto& item : *a)
            n += placeholders(item);
    if (const auto* o = v.if_object()) {
        if (senna::socketio::is_placeholder(v))
            return 1;
        for (const auto& item : *o)
            n += placeholders(item.value());
    }
    return n;
}

/** Equal but for doubles compared as JSON text (NaN). */
bool same(const broadcast& a, const broadcast& b) {
    return a.uid == b.uid && a.type == b.type && a.nsp == b.nsp && a.id == b.id &&
           a.attachments == b.attachments && a.rooms == b.rooms && a.except == b.except &&
           senna::socketio::to_json(a.data) == senna::socketio::to_json(b.data) &&
           senna::socketio::to_json(a.flags) == senna::socketio::to_json(b.flags);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const msgpack::limits lim{.max_size = 1 << 16, .max_depth = 16, .max_elements = 4096};

    // The uid peek agrees with the full decode whenever the input decodes.
    const auto peeked = msgpack::peek_first_string(input);
    if (const auto v = msgpack::decode(input, lim)) {
        const auto* top = v->if_array();
        const auto* first = top && !top->empty() ? (*top)[0].if_string() : nullptr;
        if (first && first->find('\xef') == std::string::npos && peeked != *first)
            std::abort();
        const std::string once = msgpack::encode(*v);
        const auto again = msgpack::decode(once, lim);
        if (!again || msgpack::encode(*again) != once)
            std::abort();
        std::vector<std::string> a1, a2;
        if (json_text(*v, a1) != json_text(*again, a2) || a1 != a2)
            std::abort();
        // JSON-compatible data survives JSON and back (binary through attachments).
        std::vector<std::string> a3;
        const auto json = msgpack::to_json(*again, a3, socketio_placeholders);
        if (placeholders(json) == a3.size()) {
            const auto back = msgpack::from_json(json, a3, socketio_placeholders);
            // The streaming encoder writes the bytes of the value tree.
            std::string streamed;
            msgpack::encode_json(json, a3, socketio_placeholders, streamed);
            if (streamed != msgpack::encode(back))
                std::abort();
            std::vector<std::string> a4;
            if (senna::socketio::to_json(msgpack::to_json(back, a4, socketio_placeholders)) !=
                    senna::socketio::to_json(json) ||
                a4 != a3)
                std::abort();
        }
    }

    if (const auto b = decode_broadcast(input, lim);
        b && placeholders(b->data) == b->attachments.size()) {
        const auto again = decode_broadcast(encode_broadcast(*b), lim);
        if (!again || !same(*again, *b))
            std::abort();
    }
    return 0;
}

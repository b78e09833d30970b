#include "realtime/sharded_codec.hpp"

#include "realtime/adapter_codec.hpp"
#include "realtime/msgpack_json.hpp"
#include "socketio/json.hpp"

#include <algorithm>

namespace senna::realtime {

namespace json = boost::json;

namespace {

// A message is JSON a peer wrote; its depth is bounded like a packet's (stream_codec.cpp).
// (Named apart from stream_codec.cpp's: each module is also compiled as one unit.)
constexpr std::size_t message_max_depth = 32;

void append_json_string(std::string_view s, std::string& out) {
    socketio::append_json(json::value(json::string_view(s)), out);
}

// `,"uid":"<uid>","nsp":"/"}`: the end of every message (publishAndReturnOffset sets uid and
// nsp after type and data).
void append_message_tail(std::string_view uid, std::string& out) {
    out += R"(,"uid":)";
    append_json_string(uid, out);
    out += R"(,"nsp":"/"})";
}

} // namespace

std::string sharded_tail(std::string_view uid) {
    std::string out;
    append_message_tail(uid, out);
    return out;
}

bool has_own_channel(std::string_view room) noexcept {
    return room.size() != 20;
}

boost::system::result<sharded_message> decode_sharded(std::string_view bytes,
                                                      const msgpack::limits& lim) {
    const auto invalid = make_error_code(msgpack::error::invalid_broadcast);
    json::value v;
    std::vector<std::string> attachments;
    if (!bytes.empty() && bytes.front() == '{') {
        auto parsed = socketio::parse_json(bytes, message_max_depth);
        if (!parsed)
            return parsed.error();
        v = std::move(*parsed);
    } else {
        auto decoded = msgpack::decode(bytes, lim);
        if (!decoded)
            return decoded.error();
        v = msgpack::to_json(*decoded, attachments, socketio_placeholders);
    }
    if (!v.is_object())
        return invalid;
    const auto& o = v.get_object();
    sharded_message m;
    const auto* type = o.if_contains("type");
    const auto* uid = o.if_contains("uid");
    const auto* nsp = o.if_contains("nsp");
    if (!type || !type->is_number() || !uid || !uid->is_string())
        return invalid;
    if (type->is_int64())
        m.type = static_cast<int>(std::clamp<std::int64_t>(type->get_int64(), -1, 100));
    else if (type->is_uint64())
        m.type = static_cast<int>(std::min<std::uint64_t>(type->get_uint64(), 100));
    else
        return invalid;
    m.uid = uid->get_string();
    if (!nsp)
        m.nsp.assign(1, '/'); // not = "/": GCC 12 at -O2 calls that -Wrestrict
    else if (nsp->is_string())
        m.nsp = nsp->get_string();
    else
        return invalid;
    const auto* data = o.if_contains("data");
    if (data && data->is_object())
        if (const auto* id = data->get_object().if_contains("requestId"); id && id->is_string())
            m.request_id = std::string(id->get_string());
    if (m.type >= 3 && m.type <= 6) {
        if (!data)
            return invalid;
        auto cm = decode_cluster_data(m.type, *data, std::move(attachments));
        if (!cm)
            return cm.error();
        m.message = std::move(*cm);
    }
    return m;
}

std::string encode_sharded_broadcast(std::string_view uid, std::string_view data,
                                     std::span<const std::string> rooms,
                                     std::span<const std::string> except, std::string_view offset) {
    std::string out;
    out.reserve(data.size() + offset.size() + uid.size() + 128);
    out += R"({"type":3,"data":)";
    out += entry_head;
    if (offset.empty() || data.size() < 2) {
        out += data;
        out += broadcast_entry_tail(rooms, except);
    } else {
        // ["ev",{...}] -> ["ev",{...},"<offset>"], flagged as logged.
        out += data.substr(0, data.size() - 1);
        out += ',';
        append_json_string(offset, out);
        out += ']';
        std::string tail = broadcast_entry_tail(rooms, except);
        const std::string_view empty_flags = R"("flags":{}}})";
        if (tail.ends_with(empty_flags)) {
            tail.resize(tail.size() - empty_flags.size());
            tail += R"("flags":{")";
            tail += logged_flag;
            tail += R"(":true}}})";
        }
        out += tail;
    }
    append_message_tail(uid, out);
    return out;
}

std::string encode_sharded_response(std::string_view uid, cluster_request type,
                                    std::string_view request_id) {
    std::string out;
    out += R"({"type":)";
    out += std::to_string(static_cast<int>(type));
    out += R"(,"data":{"requestId":)";
    append_json_string(request_id, out);
    switch (type) {
    case cluster_request::fetch_sockets_response:
        out += R"(,"sockets":[]})";
        break;
    case cluster_request::server_side_emit_response:
        out += R"(,"packet":null})";
        break;
    case cluster_request::broadcast_client_count:
        out += R"(,"clientCount":0})";
        break;
    default:
        out += '}';
        break;
    }
    append_message_tail(uid, out);
    return out;
}

} // namespace senna::realtime

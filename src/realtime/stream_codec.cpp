#include "realtime/stream_codec.hpp"

#include "realtime/adapter_codec.hpp"
#include "realtime/msgpack.hpp"
#include "realtime/msgpack_json.hpp"
#include "socketio/json.hpp"
#include "socketio/socket.hpp"
#include "util/base64.hpp"
#include "util/strings.hpp"

#include <algorithm>

namespace senna::realtime {

namespace json = boost::json;

namespace {

// Entry data is JSON the peers wrote; its depth is bounded like a packet's.
constexpr std::size_t max_depth = 32;

std::optional<stream_entry> entry_of(const redis::reply& e) {
    if (!e.is_array() || e.elements.size() != 2 || !e.elements[1].is_array())
        return std::nullopt;
    stream_entry out;
    out.id = e.elements[0].as_string();
    const auto& f = e.elements[1].elements;
    for (std::size_t i = 0; i + 1 < f.size(); i += 2) {
        const std::string_view k = f[i].as_string();
        const std::string_view v = f[i + 1].as_string();
        if (k == "uid")
            out.uid = v;
        else if (k == "nsp")
            out.nsp = v;
        else if (k == "type")
            out.type = v;
        else if (k == "data")
            out.data = v;
    }
    return out;
}

bool strings(const json::value* v, std::vector<std::string>& out) {
    if (!v || v->is_null())
        return true;
    if (!v->is_array())
        return false;
    for (const auto& r : v->get_array()) {
        if (r.is_string())
            out.emplace_back(r.get_string());
        else if (r.is_number())
            out.push_back(socketio::to_json(r)); // String(42), as Socket.IO treats a number room
        else
            return false;
    }
    return true;
}

bool non_negative(const json::value& v, std::uint64_t& out) {
    if (v.is_uint64())
        out = v.get_uint64();
    else if (v.is_int64() && v.get_int64() >= 0)
        out = static_cast<std::uint64_t>(v.get_int64());
    else if (v.is_double() && v.get_double() >= 0 && v.get_double() < 9007199254740992.0 &&
             static_cast<double>(static_cast<std::uint64_t>(v.get_double())) == v.get_double())
        out = static_cast<std::uint64_t>(v.get_double());
    else
        return false;
    return true;
}

void append_rooms(std::span<const std::string> rooms, std::string& out) {
    out += '[';
    for (std::size_t i = 0; i < rooms.size(); ++i) {
        if (i)
            out += ',';
        socketio::append_json(json::value(json::string_view(rooms[i])), out);
    }
    out += ']';
}

} // namespace

std::vector<stream_entry> parse_xrange(const redis::reply& r) {
    std::vector<stream_entry> out;
    if (!r.is_array())
        return out;
    out.reserve(r.elements.size());
    for (const auto& e : r.elements)
        if (auto s = entry_of(e))
            out.push_back(std::move(*s));
    return out;
}

std::vector<stream_entry> parse_xread(const redis::reply& r) {
    if (!r.is_array() || r.elements.empty())
        return {};
    const auto& stream = r.elements[0];
    if (!stream.is_array() || stream.elements.size() != 2)
        return {};
    return parse_xrange(stream.elements[1]);
}

bool cluster_message::is_volatile() const {
    const auto* v = flags.if_contains("volatile");
    return v && !v->is_null() && !(v->is_bool() && !v->get_bool());
}

boost::system::result<cluster_message> decode_entry(const stream_entry& e) {
    const auto invalid = make_error_code(msgpack::error::invalid_broadcast);
    if (e.type.size() != 1 || e.type[0] < '3' || e.type[0] > '6')
        return invalid;
    const int type = e.type[0] - '0';
    json::value data;
    std::vector<std::string> attachments;
    if (e.data.starts_with('{')) {
        auto parsed = socketio::parse_json(e.data, max_depth);
        if (!parsed)
            return parsed.error();
        data = std::move(*parsed);
    } else {
        std::string bytes;
        if (!util::base64_decode(e.data, util::base64_alphabet::standard,
                                 util::base64_mode::lenient, bytes))
            return invalid;
        auto decoded = msgpack::decode(bytes);
        if (!decoded)
            return decoded.error();
        data = msgpack::to_json(*decoded, attachments, socketio_placeholders);
    }
    return decode_cluster_data(type, data, std::move(attachments));
}

boost::system::result<cluster_message> decode_cluster_data(int code, const json::value& data,
                                                           std::vector<std::string> attachments) {
    const auto invalid = make_error_code(msgpack::error::invalid_broadcast);
    cluster_message m;
    if (code < 3 || code > 6)
        return invalid;
    m.type = static_cast<cluster_type>(code);
    m.attachments = std::move(attachments);
    if (!data.is_object())
        return invalid;
    const auto& o = data.get_object();
    const auto* opts = o.if_contains("opts");
    if (!opts || !opts->is_object())
        return invalid;
    const auto& op = opts->get_object();
    if (!strings(op.if_contains("rooms"), m.rooms) || !strings(op.if_contains("except"), m.except))
        return invalid;
    if (const auto* f = op.if_contains("flags"); f && f->is_object())
        m.flags = f->get_object();
    switch (m.type) {
    case cluster_type::broadcast: {
        std::uint64_t n = 0;
        const auto* packet = o.if_contains("packet");
        if (!packet || !packet->is_object())
            return invalid;
        const auto& p = packet->get_object();
        const auto* type = p.if_contains("type");
        const auto* d = p.if_contains("data");
        if (!type || !non_negative(*type, n) || n != 2 || !d || !d->is_array() ||
            d->get_array().empty())
            return invalid;
        if (const auto* id = p.if_contains("id"); id && non_negative(*id, n))
            m.id = n;
        m.data = *d;
        break;
    }
    case cluster_type::sockets_join:
    case cluster_type::sockets_leave:
        if (!strings(o.if_contains("rooms"), m.target_rooms))
            return invalid;
        break;
    case cluster_type::disconnect:
        if (const auto* c = o.if_contains("close"); c && c->is_bool())
            m.close = c->get_bool();
        break;
    }
    return m;
}

std::vector<std::string> broadcast_fields(std::string_view uid, std::string_view nsp) {
    return {"uid", std::string(uid), "nsp", std::string(nsp), "type", "3", "data"};
}

void append_event_head(std::string_view event, std::string& out) {
    out += '[';
    util::append_json_string(event, out);
    out += ',';
}

std::string event_array_json(std::string_view event, const json::object& payload) {
    std::string out;
    out.reserve(128 + event.size());
    append_event_head(event, out);
    socketio::append_json(payload, out);
    out += ']';
    return out;
}

std::string broadcast_entry_tail(std::span<const std::string> rooms,
                                 std::span<const std::string> except, bool volatile_) {
    // The key order of ClusterAdapter.broadcast's message.data: packet {type, data} (nsp is
    // set on the packet only after it was published), opts {rooms, except, flags}.
    std::string out;
    out.reserve(64);
    out += R"(},"opts":{"rooms":)";
    append_rooms(rooms, out);
    out += R"(,"except":)";
    append_rooms(except, out);
    out += volatile_ ? R"(,"flags":{"volatile":true}}})" : R"(,"flags":{}}})";
    return out;
}

std::string broadcast_entry_data(std::string_view data, std::span<const std::string> rooms,
                                 std::span<const std::string> except, bool volatile_) {
    std::string out(entry_head);
    out += data;
    out += broadcast_entry_tail(rooms, except, volatile_);
    return out;
}

std::string broadcast_entry_data(std::string_view event, const json::object& payload,
                                 std::span<const std::string> rooms,
                                 std::span<const std::string> except, bool volatile_) {
    return broadcast_entry_data(event_array_json(event, payload), rooms, except, volatile_);
}

bool receives(std::span<const std::string> socket_rooms, std::span<const std::string> rooms,
              std::span<const std::string> except) {
    const auto member = [&](std::span<const std::string> set) {
        return std::any_of(socket_rooms.begin(), socket_rooms.end(), [&](const std::string& r) {
            return std::find(set.begin(), set.end(), r) != set.end();
        });
    };
    return (rooms.empty() || member(rooms)) && !member(except);
}

socketio::frame replay_frame(std::string_view nsp, cluster_message&& m, socketio::offset at) {
    socketio::packet p;
    p.type =
        m.attachments.empty() ? socketio::packet_type::event : socketio::packet_type::binary_event;
    p.nsp = std::string(nsp);
    auto& data = m.data.as_array();
    if (at.logged())
        data.emplace_back(at.text());
    p.data = std::move(m.data);
    p.attachments = std::move(m.attachments);
    auto f = socketio::encode_frame(p);
    f.at = at;
    f.string_tail = !at.logged() && f.string_tail;
    return f;
}

} // namespace senna::realtime

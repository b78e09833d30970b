#include "realtime/adapter_codec.hpp"

#include "socketio/binary.hpp"
#include "socketio/json.hpp"

#include <utility>

namespace senna::realtime {

const msgpack::binary_slots socketio_placeholders{
    &socketio::make_placeholder,
    [](const boost::json::value& v, std::size_t count) {
        return socketio::placeholder_index(v, count);
    },
};

std::string broadcast_channel(std::string_view prefix, std::string_view nsp,
                              std::optional<std::string_view> room) {
    std::string out;
    out.reserve(prefix.size() + nsp.size() + (room ? room->size() + 1 : 0) + 2);
    out.append(prefix).append(1, '#').append(nsp).append(1, '#');
    if (room)
        out.append(*room).append(1, '#');
    return out;
}

std::string request_channel(std::string_view prefix, std::string_view nsp) {
    std::string out(prefix);
    out.append("-request#").append(nsp).append(1, '#');
    return out;
}

std::string listeners_channel(std::string_view prefix) {
    return std::string(prefix) + "-senna-listeners#";
}

std::string listener_channel(std::string_view prefix, std::string_view id) {
    return listeners_channel(prefix) + std::string(id) + '#';
}

std::string listeners_probe_channel(std::string_view prefix) {
    return broadcast_channel(prefix, "/", "senna-listeners-probe");
}

std::string broadcast_pattern(std::string_view prefix, std::string_view nsp) {
    return broadcast_channel(prefix, nsp) + '*';
}

std::optional<std::string_view> channel_room(std::string_view channel, std::string_view prefix,
                                             std::string_view nsp) {
    const std::string head = broadcast_channel(prefix, nsp);
    if (!channel.starts_with(head))
        return std::nullopt;
    channel.remove_prefix(head.size());
    if (channel.empty())
        return channel;
    if (channel.back() != '#')
        return std::nullopt;
    channel.remove_suffix(1);
    return channel;
}

namespace {

/** rooms / except: absent or nil → empty; str as is; numbers as JavaScript's String(n). */
bool read_rooms(const msgpack::value* v, std::vector<std::string>& out) {
    if (!v || v->is_nil())
        return true;
    const auto* a = v->if_array();
    if (!a)
        return false;
    out.reserve(a->size());
    std::vector<std::string> unused;
    for (const auto& item : *a) {
        if (const auto* s = item.if_string()) {
            out.push_back(*s);
        } else if (item.type() == msgpack::kind::integer || item.type() == msgpack::kind::float64) {
            out.push_back(socketio::to_json(msgpack::to_json(item, unused, socketio_placeholders)));
        } else {
            return false;
        }
    }
    return true;
}

} // namespace

namespace {

/** The broadcast around a packet whose `data` is written by write_data(out). */
template <class WriteData>
std::string encode_with(std::string_view uid, socketio::packet_type type, std::string_view nsp,
                        WriteData write_data, std::span<const std::string> rooms,
                        std::span<const std::string> except, const boost::json::object& flags,
                        std::optional<std::uint64_t> id) {
    // Key order as the adapter builds them: packet {type, data} then nsp (and id, set by
    // broadcastWithAck after nsp); rawOpts {rooms, except, flags}. Written straight from the
    // JSON (msgpack::encode_json): the bytes msgpack::encode would write for the value tree.
    std::string out;
    out.reserve(512 + uid.size() + nsp.size());
    msgpack::put_array_header(3, out);
    msgpack::put_str(uid, out);
    msgpack::put_map_header(id ? 4 : 3, out);
    msgpack::put_str("type", out);
    msgpack::put_unsigned(static_cast<std::uint64_t>(type), out);
    msgpack::put_str("data", out);
    write_data(out);
    msgpack::put_str("nsp", out);
    msgpack::put_str(nsp, out);
    if (id) {
        msgpack::put_str("id", out);
        msgpack::put_unsigned(*id, out);
    }
    msgpack::put_map_header(3, out);
    const auto strings = [&out](std::span<const std::string> items) {
        msgpack::put_array_header(items.size(), out);
        for (const auto& s : items)
            msgpack::put_str(s, out);
    };
    msgpack::put_str("rooms", out);
    strings(rooms);
    msgpack::put_str("except", out);
    strings(except);
    msgpack::put_str("flags", out);
    msgpack::encode_json(flags, out);
    return out;
}

} // namespace

std::string encode_broadcast(std::string_view uid, socketio::packet_type type, std::string_view nsp,
                             const boost::json::value& data, std::span<const std::string> rooms,
                             std::span<const std::string> except, const boost::json::object& flags,
                             std::span<const std::string> attachments,
                             std::optional<std::uint64_t> id) {
    return encode_with(
        uid, type, nsp,
        [&](std::string& out) {
            msgpack::encode_json(data, attachments, socketio_placeholders, out);
        },
        rooms, except, flags, id);
}

std::string encode_event_broadcast(std::string_view uid, std::string_view nsp,
                                   std::string_view event, const boost::json::object& payload,
                                   std::span<const std::string> rooms,
                                   std::span<const std::string> except,
                                   const boost::json::value* last,
                                   const boost::json::object& flags) {
    return encode_with(
        uid, socketio::packet_type::event, nsp,
        [&](std::string& out) {
            msgpack::put_array_header(last ? 3 : 2, out);
            msgpack::put_str(event, out);
            msgpack::encode_json(payload, out);
            if (last)
                msgpack::encode_json(*last, out);
        },
        rooms, except, flags, std::nullopt);
}

std::string encode_broadcast(const broadcast& b) {
    return encode_broadcast(b.uid, b.type, b.nsp, b.data, b.rooms, b.except, b.flags, b.attachments,
                            b.id);
}

boost::system::result<broadcast> decode_broadcast(std::string_view bytes,
                                                  const msgpack::limits& lim) {
    auto decoded = msgpack::decode(bytes, lim);
    if (!decoded)
        return decoded.error();
    const auto invalid = make_error_code(msgpack::error::invalid_broadcast);
    const auto* top = decoded->if_array();
    if (!top || top->size() < 3)
        return invalid;
    const auto* uid = (*top)[0].if_string();
    const auto& packet = (*top)[1];
    const auto& opts = (*top)[2];
    if (!uid || !packet.if_map() || !opts.if_map())
        return invalid;

    broadcast b;
    b.uid = *uid;
    std::uint64_t type = 0;
    const auto* t = packet.find("type");
    if (!t || !t->get_uint64(type) || type > 6)
        return invalid;
    b.type = static_cast<socketio::packet_type>(type);
    if (const auto* nsp = packet.find("nsp"); nsp && !nsp->is_nil()) {
        const auto* s = nsp->if_string();
        if (!s)
            return invalid;
        b.nsp = *s;
    }
    if (const auto* id = packet.find("id"); id && !id->is_nil()) {
        std::uint64_t n = 0;
        if (!id->get_uint64(n))
            return invalid;
        b.id = n;
    }
    if (const auto* data = packet.find("data"))
        b.data = msgpack::to_json(*data, b.attachments, socketio_placeholders);

    if (!read_rooms(opts.find("rooms"), b.rooms) || !read_rooms(opts.find("except"), b.except))
        return invalid;
    if (const auto* flags = opts.find("flags"); flags && !flags->is_nil()) {
        if (!flags->if_map())
            return invalid;
        std::vector<std::string> unused;
        b.flags = msgpack::to_json(*flags, unused, socketio_placeholders).as_object();
    }
    return b;
}

} // namespace senna::realtime

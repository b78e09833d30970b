#include "socketio/packet.hpp"

#include "socketio/binary.hpp"
#include "socketio/error.hpp"
#include "socketio/json.hpp"
#include "util/strings.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace senna::socketio {

namespace {

/** Digits of an attachment count: more than enough for any sane limit, never overflows. */
constexpr std::size_t max_count_digits = 9;

/** Event names socket.io-parser refuses: they mean something to the reference's emitters. */
constexpr std::array<std::string_view, 6> reserved_events = {
    "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
};

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

bool is_number(const boost::json::value& v) noexcept {
    return v.is_int64() || v.is_uint64() || v.is_double();
}

/** socket.io-parser's isPayloadValid, plus "payload required" for events and acks. */
boost::system::result<void> check_payload(packet_type type, const boost::json::value& data) {
    const bool absent = data.is_null();
    switch (type) {
    case packet_type::connect:
        return absent || data.is_object() ? boost::system::result<void>() : error::invalid_payload;
    case packet_type::disconnect:
        return absent ? boost::system::result<void>() : error::invalid_payload;
    case packet_type::connect_error:
        return absent || data.is_object() || data.is_string() ? boost::system::result<void>()
                                                              : error::invalid_payload;
    case packet_type::event:
    case packet_type::binary_event: {
        if (!data.is_array() || data.get_array().empty())
            return error::invalid_payload;
        const auto& first = data.get_array().front();
        if (is_number(first))
            return {};
        if (!first.is_string())
            return error::invalid_payload;
        for (const auto reserved : reserved_events)
            if (std::string_view(first.get_string()) == reserved)
                return error::reserved_event;
        return {};
    }
    case packet_type::ack:
    case packet_type::binary_ack:
        return data.is_array() ? boost::system::result<void>() : error::invalid_payload;
    }
    return error::unknown_packet_type;
}

bool may_carry_id(packet_type t) noexcept {
    return t == packet_type::event || t == packet_type::ack || is_binary(t);
}

} // namespace

std::string_view name(packet_type t) noexcept {
    switch (t) {
    case packet_type::connect:
        return "CONNECT";
    case packet_type::disconnect:
        return "DISCONNECT";
    case packet_type::event:
        return "EVENT";
    case packet_type::ack:
        return "ACK";
    case packet_type::connect_error:
        return "CONNECT_ERROR";
    case packet_type::binary_event:
        return "BINARY_EVENT";
    case packet_type::binary_ack:
        return "BINARY_ACK";
    }
    return "UNKNOWN";
}

boost::system::result<packet> decode(std::string_view text, const limits& lim) {
    if (text.size() > lim.max_packet_size)
        return error::packet_too_large;
    if (text.empty())
        return error::empty_packet;
    if (text[0] < '0' || text[0] > '6')
        return error::unknown_packet_type;
    packet p;
    p.type = static_cast<packet_type>(text[0] - '0');
    std::size_t pos = 1;

    if (is_binary(p.type)) {
        const auto dash = text.find('-', pos);
        if (dash == std::string_view::npos || dash == pos || dash - pos > max_count_digits)
            return error::bad_attachments;
        std::size_t count = 0;
        for (; pos < dash; ++pos) {
            if (!is_digit(text[pos]))
                return error::bad_attachments;
            count = count * 10 + static_cast<std::size_t>(text[pos] - '0');
        }
        if (count > lim.max_attachments)
            return error::too_many_attachments;
        p.pending_attachments = count;
        pos = dash + 1;
    }

    if (pos < text.size() && text[pos] == '/') {
        const auto comma = text.find(',', pos);
        const auto end = comma == std::string_view::npos ? text.size() : comma;
        if (end - pos > lim.max_namespace_size)
            return error::namespace_too_long;
        p.nsp.assign(text.substr(pos, end - pos));
        pos = comma == std::string_view::npos ? end : comma + 1;
    }

    if (pos < text.size() && is_digit(text[pos])) {
        if (!may_carry_id(p.type))
            return error::bad_ack_id;
        std::uint64_t id = 0;
        const auto r = std::from_chars(text.data() + pos, text.data() + text.size(), id);
        if (r.ec != std::errc())
            return error::bad_ack_id; // only result_out_of_range can happen after a digit
        p.id = id;
        pos = static_cast<std::size_t>(r.ptr - text.data());
    }

    if (pos < text.size()) {
        auto parsed = parse_json(text.substr(pos), lim.max_depth);
        if (!parsed)
            return error::invalid_json;
        // "null" parses but is never a valid payload; keep it from meaning "absent".
        if (parsed->is_null())
            return error::invalid_payload;
        p.data = std::move(*parsed);
    } else if (p.type == packet_type::event || p.type == packet_type::ack || is_binary(p.type)) {
        return error::invalid_payload; // the protocol: "The payload is mandatory"
    }
    if (auto ok = check_payload(p.type, p.data); !ok)
        return ok.error();
    if (is_binary(p.type) && !placeholders_valid(p.data, p.pending_attachments))
        return error::bad_placeholder;
    return p;
}

void encode(const packet& p, std::string& out) {
    packet_type type = p.type;
    if (!p.attachments.empty() && type == packet_type::event)
        type = packet_type::binary_event;
    else if (!p.attachments.empty() && type == packet_type::ack)
        type = packet_type::binary_ack;
    out += static_cast<char>('0' + static_cast<int>(type));
    if (is_binary(type)) {
        util::append_integer(p.attachments.size(), out);
        out += '-';
    }
    if (!p.nsp.empty() && p.nsp != "/") {
        out += p.nsp;
        out += ',';
    }
    if (p.id)
        util::append_integer(*p.id, out);
    if (!p.data.is_null())
        append_json(p.data, out);
}

std::string encode(const packet& p) {
    std::string out;
    encode(p, out);
    return out;
}

} // namespace senna::socketio

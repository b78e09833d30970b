#pragma once
// The bridge between JSON (boost::json, as Socket.IO packets carry it) and msgpack values
// (msgpack.hpp), the way JavaScript sees an object: notepack.io encodes an object's properties
// in JavaScript's own-property order (array-index keys "0".."4294967294" first, ascending, then
// the others in insertion order), and socket.io-parser JSON.stringifies what notepack decoded.
// Binary values (bin) have no JSON form: the caller says what stands for them (binary_slots;
// adapter_codec.hpp gives socket.io-parser's placeholders), so this file knows no protocol.
// Sans-I/O and pure, like the codec.

#include "realtime/msgpack.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace senna::realtime::msgpack {

/** How a bin value stands in JSON and is found there again. */
struct binary_slots {
    /** The JSON that stands for attachments[index]. */
    boost::json::value (*stand_in)(std::size_t index);
    /** The index `v` stands for, when it is a stand-in for one of `count` attachments. */
    std::optional<std::size_t> (*index_of)(const boost::json::value& v, std::size_t count);
};

/**
 * The value as JSON, the way socket.io-parser would JSON.stringify what notepack decoded:
 * nil → null; integers → int64/uint64, beyond ±(2^53-1) the nearest double (the JavaScript
 * number notepack makes of them); doubles as they are (NaN and infinities too, which
 * socketio::append_json writes as null); timestamp → Date#toJSON's ISO string
 * ("2026-11-27T23:05:53.000Z", null when out of Date's range); map → object with JavaScript's
 * property order (a repeated key keeps its first place and its last value); binary →
 * slots.stand_in(i) with the bytes appended to `attachments` (i is their index there), as
 * socket.io-parser deconstructs a packet.
 */
boost::json::value to_json(const value& v, std::vector<std::string>& attachments,
                           const binary_slots& slots);

/**
 * JSON as msgpack: null, bool, integers, doubles, strings, arrays; objects as maps with
 * JavaScript's property order (as above: what notepack would see for the same object). With
 * `attachments`, a JSON value that slots.index_of finds becomes binary attachments[i] (a
 * socketio::packet's data and attachments as one value).
 * Precondition: nesting is bounded (JSON from socketio::parse_json is).
 */
value from_json(const boost::json::value& v, std::span<const std::string> attachments,
                const binary_slots& slots);
/** from_json without attachments. */
value from_json(const boost::json::value& v);

/**
 * encode(from_json(v, attachments, slots), out) without building the intermediate value: the
 * same bytes, written straight from the JSON (every broadcast this instance publishes goes
 * through here). Preconditions: as from_json.
 */
void encode_json(const boost::json::value& v, std::span<const std::string> attachments,
                 const binary_slots& slots, std::string& out);
/** encode_json of an object (a map), without wrapping it in a value, which would copy it. */
void encode_json(const boost::json::object& o, std::span<const std::string> attachments,
                 const binary_slots& slots, std::string& out);
/** encode_json without attachments. */
void encode_json(const boost::json::value& v, std::string& out);
void encode_json(const boost::json::object& o, std::string& out);

/** True for the keys JavaScript orders first in an object: canonical decimal below 2^32-1. */
bool is_array_index(std::string_view key) noexcept;

} // namespace senna::realtime::msgpack

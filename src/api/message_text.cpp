#include "api/message_text.hpp"

#include "util/strings.hpp"
#include "util/time.hpp"

#include <boost/json/value.hpp>

#include <charconv>

namespace senna::api {

namespace {

bool quoted(std::string_view v) {
    return v.front() == '"';
}

std::string_view unquoted(std::string_view v) {
    return v.substr(1, v.size() - 2);
}

bool integer(std::string_view v) {
    return v.front() == '-' || (v.front() >= '0' && v.front() <= '9');
}

// A canonical integer's value (at most 18 digits: always an int64).
std::int64_t integer_value(std::string_view v) {
    std::int64_t n = 0;
    std::from_chars(v.data(), v.data() + v.size(), n);
    return n;
}

// chat::id::from_json of a canonical value; strings have no escapes (read() saw to it).
std::optional<chat::id> author_of(std::string_view v) {
    if (quoted(v))
        return chat::id::parse(unquoted(v));
    if (integer(v))
        return chat::id::from_json(boost::json::value(integer_value(v)));
    return std::nullopt; // true, false, null, an object or an array
}

// serialize(timestamp_json(stored value)), format.cpp's TS or null.
void append_timestamp(std::string& out, std::string_view v) {
    std::optional<std::int64_t> ms;
    if (quoted(v))
        ms = util::parse_time(unquoted(v));
    else if (integer(v))
        ms = integer_value(v);
    if (!ms) {
        out += "null";
        return;
    }
    out += "{\"epoch\":";
    util::append_integer(*ms, out);
    out += ",\"iso\":\"";
    if (quoted(v) && util::written_as_iso8601(unquoted(v))) {
        out += unquoted(v); // what iso8601 would write again (what senna and the seed store)
    } else {
        char iso[util::iso8601_max];
        out.append(iso, util::iso8601(*ms, iso)); // digits, '-', 'T', ':', '.', 'Z': no escapes
    }
    out += "\"}";
}

} // namespace

bool spliced_message::read(std::string_view stored) {
    author_.reset();
    if (!members_.read(stored))
        return false;
    // parse_stored's rules for the id: a string as it is, anything else is the DOM path's.
    const std::string_view id = members_.find("id");
    if (id.size() < 3 || !quoted(id))
        return false;
    for (const auto& m : members_.members())
        if ((m.key == "timestamp" || m.key == "edited" || m.key == "author") && quoted(m.value) &&
            m.value.find('\\') != std::string_view::npos)
            return false; // decoding it is the parser's job
    if (const std::string_view a = members_.find("author"); !a.empty())
        author_ = author_of(a);
    text_ = stored;
    return true;
}

void spliced_message::append(std::string& out, std::uint64_t seq, std::string_view author,
                             std::size_t* seq_at) const {
    // Around the values it changes, the stored text is copied as it is: canonical, it is what
    // the serializer writes there too (",", the quoted key, ":", the other values).
    const char* copied = text_.data();
    const auto replace = [&](std::string_view value) {
        out.append(copied, value.data());
        copied = value.data() + value.size();
    };
    bool seq_written = false;
    for (const auto& m : members_.members()) {
        if (m.key == "timestamp" || m.key == "edited") {
            replace(m.value);
            append_timestamp(out, m.value);
        } else if (seq != 0 && m.key == "seq") {
            replace(m.value); // message_json's out["seq"] = seq, in the same place
            if (seq_at)
                *seq_at = out.size();
            util::append_integer(seq, out);
            seq_written = true;
        } else if (author_ && !author.empty() && m.key == "author") {
            replace(m.value);
            out += author;
        }
    }
    out.append(copied, text_.data() + text_.size() - 1); // all but the closing brace
    if (seq != 0 && !seq_written) {
        out += ",\"seq\":"; // after the id at least: never the first member
        if (seq_at)
            *seq_at = out.size();
        util::append_integer(seq, out);
    }
    out += '}';
}

} // namespace senna::api

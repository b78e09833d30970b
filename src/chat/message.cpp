#include "chat/message.hpp"

#include "util/time.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace senna::chat {

std::string_view message::id() const {
    auto it = json.find("id");
    if (it == json.end())
        return {};
    if (it->value().is_string())
        return it->value().get_string();
    return {};
}

std::optional<chat::id> message::author() const {
    auto it = json.find("author");
    if (it == json.end())
        return std::nullopt;
    return chat::id::from_json(it->value());
}

std::string_view message::type() const {
    auto it = json.find("type");
    if (it == json.end() || !it->value().is_string())
        return {};
    return it->value().get_string();
}

std::optional<message> parse_stored(std::string_view raw, boost::json::storage_ptr sp) {
    boost::system::error_code ec;
    auto v = boost::json::parse(raw, ec, std::move(sp));
    if (ec || !v.is_object())
        return std::nullopt;
    message m{std::move(v.get_object())};
    auto it = m.json.find("id");
    if (it == m.json.end() || it->value().is_null())
        return std::nullopt;
    // The seed's ids are uuid strings; anything else is kept but compared as text.
    if (!it->value().is_string())
        it->value() = boost::json::serialize(it->value());
    if (it->value().get_string().empty())
        return std::nullopt;
    return m;
}

message make_message(std::string_view id, const chat::id& author, std::int64_t epoch_ms,
                     std::string_view type, std::string_view content, boost::json::storage_ptr sp) {
    message m{boost::json::object(5, std::move(sp))};
    m.json.emplace("id", id);
    m.json.emplace("author", author.to_json());
    char iso[util::iso8601_max];
    m.json.emplace("timestamp", std::string_view(iso, util::iso8601(epoch_ms, iso)));
    m.json.emplace("type", type);
    m.json.emplace(type, content);
    return m;
}

std::string serialize(const message& m) {
    return boost::json::serialize(m.json);
}

std::size_t code_points(std::string_view utf8) {
    std::size_t n = 0;
    for (unsigned char c : utf8)
        if ((c & 0xC0) != 0x80)
            ++n;
    return n;
}

} // namespace senna::chat

#include "api/format.hpp"

#include "http/query.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace senna::api {

namespace json = boost::json;

json::value timestamp_json(std::int64_t epoch_ms, json::storage_ptr sp) {
    json::object o(2, std::move(sp));
    o.emplace("epoch", epoch_ms);
    char iso[util::iso8601_max];
    o.emplace("iso", std::string_view(iso, util::iso8601(epoch_ms, iso)));
    return o;
}

json::value timestamp_json(const json::value& stored, json::storage_ptr sp) {
    std::optional<std::int64_t> ms;
    if (stored.is_string())
        ms = util::parse_time(stored.get_string());
    else if (stored.is_int64())
        ms = stored.get_int64();
    else if (stored.is_uint64() && stored.get_uint64() < (1ull << 53))
        ms = static_cast<std::int64_t>(stored.get_uint64());
    if (!ms)
        return json::value(nullptr, std::move(sp));
    return timestamp_json(*ms, std::move(sp));
}

json::object message_json(const chat::message& m) {
    return message_json(chat::message{m.json, m.seq});
}

json::object message_json(chat::message&& m) {
    json::object out = std::move(m.json); // key order kept: the seed's clients saw it this way
    if (auto it = out.find("timestamp"); it != out.end())
        it->value() = timestamp_json(it->value(), out.storage());
    if (auto it = out.find("edited"); it != out.end())
        it->value() = timestamp_json(it->value(), out.storage());
    if (m.seq != 0)
        out["seq"] = m.seq;
    return out;
}

namespace {
// A positive integer written in plain digits, within JavaScript's safe range.
std::optional<std::uint64_t> positive(std::string_view v) {
    auto n = util::parse_uint(v);
    if (!n || *n < 1 || *n > (1ull << 53) - 1)
        return std::nullopt;
    return n;
}
} // namespace

chat::page_request pagination(std::string_view query) {
    chat::page_request p;
    int pages = 0, per_pages = 0, limits = 0;
    std::string page, per_page, limit;
    for (auto& [k, v] : http::parse_query(query)) {
        // A repeated parameter is an array to Express's parser, so not a number: default.
        if (k == "page" && ++pages)
            page = v;
        else if (k == "per_page" && ++per_pages)
            per_page = v;
        else if (k == "limit" && ++limits)
            limit = v;
    }
    if (pages == 1)
        p.page = positive(page).value_or(1);
    std::optional<std::uint64_t> pp;
    if (per_pages > 0)
        pp = per_pages == 1 ? positive(per_page) : std::nullopt;
    else if (limits == 1)
        pp = positive(limit);
    p.per_page = std::min<std::uint64_t>(pp.value_or(10), 100);
    return p;
}

std::optional<chat::outcome<chat::cursor_request>> cursor(std::string_view query) {
    using dir = chat::cursor_request::direction;
    chat::cursor_request c;
    int given = 0;
    std::string value;
    for (auto& [k, v] : http::parse_query(query)) {
        const bool before = k == "before", after = k == "after", around = k == "around";
        if (!before && !after && !around)
            continue;
        if (++given > 1)
            return chat::outcome<chat::cursor_request>(chat::error::invalid_cursor,
                                                       "use one of before, after and around");
        c.dir = before ? dir::before : after ? dir::after : dir::around;
        value = v;
    }
    if (given == 0)
        return std::nullopt;
    if (c.dir == dir::before && (value.empty() || value == "latest")) {
        c.at = chat::cursor_request::newest; // from the newest message
    } else {
        // 0 is a cursor too: after=0 starts from the oldest message.
        auto n = util::parse_uint(value);
        if (!n || *n > chat::cursor_request::newest)
            return chat::outcome<chat::cursor_request>(chat::error::invalid_cursor, value);
        c.at = *n;
    }
    c.limit = pagination(query).per_page;
    return chat::outcome<chat::cursor_request>(c);
}

json::object state_json(std::string_view key, const chat::cursor_state& s) {
    json::object o;
    o["key"] = key;
    o["limit"] = s.limit;
    o["total"] = s.total;
    o["has_more"] = s.has_more;
    o["prev"] = s.prev ? json::value(*s.prev) : json::value(nullptr);
    o["next"] = s.next ? json::value(*s.next) : json::value(nullptr);
    return o;
}

json::object state_json(std::string_view key, const chat::page_state& s) {
    json::object o;
    o["key"] = key;
    o["page"] = s.page;
    o["per_page"] = s.per_page;
    o["total"] = s.total;
    o["total_pages"] = s.total_pages;
    return o;
}

} // namespace senna::api

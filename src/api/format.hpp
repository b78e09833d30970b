#pragma once
// The JSON shapes of SPEC §3: TS, MESSAGE, pagination state. The only place (with
// error_map.cpp and the handlers) where response field names live.

#include "chat/message.hpp"
#include "chat/service.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string_view>

namespace senna::api {

/** TS = {"epoch": ms, "iso": "..."}. */
boost::json::value timestamp_json(std::int64_t epoch_ms, boost::json::storage_ptr sp = {});

/** A stored time (ISO string, or epoch digits) as TS; null when unreadable. */
boost::json::value timestamp_json(const boost::json::value& stored,
                                  boost::json::storage_ptr sp = {});

/** MESSAGE: the stored message with `timestamp` and `edited` as TS, `author` as stored, and
    `seq` last (when known). */
boost::json::object message_json(const chat::message& m);
/** message_json of a message no longer needed: its object is moved, not copied. */
boost::json::object message_json(chat::message&& m);

/** `page`, `per_page` (alias `limit`; `per_page` wins when present) from a raw query string.
 *  What is not a positive integer falls back to the default; per_page is capped at 100. */
chat::page_request pagination(std::string_view query);

/** {"key", "page", "per_page", "total", "total_pages"}. */
boost::json::object state_json(std::string_view key, const chat::page_state& s);

/** A history page by cursor (`before`, `after` or `around`; docs/api.md): nullopt when the
    query names none of them (the seed's pages), a problem for a malformed one. The page size
    is `limit` (or `per_page`) as in pagination(). */
std::optional<chat::outcome<chat::cursor_request>> cursor(std::string_view query);

/** {"key", "limit", "total", "has_more", "prev", "next"}. */
boost::json::object state_json(std::string_view key, const chat::cursor_state& s);

} // namespace senna::api

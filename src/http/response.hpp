#pragma once
// Response builders, and the JSON error model every error answer uses:
// {"error": true, "code": C, "name": N, "message": M, "status": S} (SPEC §3).

#include "http/types.hpp"

#include <boost/json/fwd.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace senna::http {

/** A JSON response (`application/json; charset=utf-8`) with Content-Length set. */
response json_response(status s, const boost::json::value& body, unsigned version = 11);
/** json_response of an object, without wrapping it in a value (which would copy it). */
response json_response(status s, const boost::json::object& body, unsigned version = 11);
/** A JSON response of text the caller serialised (the history page assembles its own). */
response json_text_response(status s, std::string body, unsigned version = 11);

/** The error model of SPEC §3 with HTTP status `s`. */
response error_response(status s, std::string_view code, std::string_view name,
                        std::string_view message, unsigned version = 11);

/** Plain text (Prometheus exposition, for instance). */
response text_response(status s, std::string body, std::string_view content_type,
                       unsigned version = 11);

// The protocol-level errors the session itself answers.
response not_found_response(unsigned version = 11);
response method_not_allowed_response(verb method, std::string_view allow, unsigned version = 11);
response payload_too_large_response(std::size_t limit, unsigned version = 11);
response header_too_large_response(unsigned version = 11);
response bad_request_response(std::string_view message, unsigned version = 11);
response internal_error_response(unsigned version = 11);

/** The response's bytes in one buffer (status line, fields as they are, body), for a
    Content-Length response; nullopt for others (chunked, no length), which go through Beast. */
std::optional<std::string> serialize(const response& res);
/** The same appended to `out`; false (nothing appended) for a response serialize() refuses. */
bool append_serialized(const response& res, std::string& out);

} // namespace senna::http

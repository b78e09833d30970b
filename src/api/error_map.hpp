#pragma once
// Chat problems -> the status, code, name and message of SPEC §3 (rows of client_error.hpp's
// table, with the problem's details in the message); REST answers and socket acks use the same
// codes and messages. Redis refusals included: which client error each kind of Redis error
// reply is (507 STORE_FULL when Redis is full, 503 STORE_UNAVAILABLE while it fails over or
// loads) is the table in error_map.cpp.

#include "api/client_error.hpp"
#include "chat/error.hpp"
#include "http/types.hpp"
#include "util/rate_limit.hpp"

#include <string>

namespace senna::api {

struct api_error {
    http::status status;
    std::string code;
    std::string name;
    std::string message;
};

api_error to_api_error(const chat::problem& p, std::size_t max_text_length);

/** The table's row for `e`, with `message` (default: the table's). */
api_error api_error_of(client_error e, std::string message = {});

http::response error_response(const api_error& e, unsigned version = 11);

/** A write refused by the rate limit (abuse_limits.hpp): 429 RATE_LIMITED. */
api_error rate_limited_error();

/** The 429 of `rate_limited_error` with `Retry-After` (whole seconds, at least 1). */
http::response rate_limited_response(const util::rate_decision& d, unsigned version = 11);

} // namespace senna::api

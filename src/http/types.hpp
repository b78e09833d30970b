#pragma once
// HTTP vocabulary: Beast's message types with a string body, which every route uses.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

namespace senna::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

using request = bhttp::request<bhttp::string_body>;
using response = bhttp::response<bhttp::string_body>;
using verb = bhttp::verb;
using status = bhttp::status;
using field = bhttp::field;

} // namespace senna::http

#include "http/response.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <string>

namespace senna::http {

response json_text_response(status s, std::string body, unsigned version) {
    response res{s, version};
    res.set(field::content_type, "application/json; charset=utf-8");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

response json_response(status s, const boost::json::value& body, unsigned version) {
    return json_text_response(s, boost::json::serialize(body), version);
}

response json_response(status s, const boost::json::object& body, unsigned version) {
    return json_text_response(s, boost::json::serialize(body), version);
}

response error_response(status s, std::string_view code, std::string_view name,
                        std::string_view message, unsigned version) {
    boost::json::object o;
    o["error"] = true;
    o["code"] = code;
    o["name"] = name;
    o["message"] = message;
    o["status"] = static_cast<int>(s);
    return json_response(s, o, version);
}

response text_response(status s, std::string body, std::string_view content_type,
                       unsigned version) {
    response res{s, version};
    res.set(field::content_type, content_type);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

response not_found_response(unsigned version) {
    return error_response(status::not_found, "NOT_FOUND", "RouteNotFoundError",
                          "Route not found - please check your URL and try again", version);
}

response method_not_allowed_response(verb method, std::string_view allow, unsigned version) {
    auto res = error_response(
        status::method_not_allowed, "METHOD_NOT_ALLOWED", "MethodNotAllowedError",
        "Method " + std::string(bhttp::to_string(method)) + " is not allowed here", version);
    res.set(field::allow, allow);
    return res;
}

response payload_too_large_response(std::size_t limit, unsigned version) {
    std::string msg = limit == 1024 * 1024
                          ? std::string("The request body is larger than 1 MiB")
                          : "The request body is larger than " + std::to_string(limit) + " bytes";
    return error_response(status::payload_too_large, "PAYLOAD_TOO_LARGE", "PayloadTooLargeError",
                          msg, version);
}

response header_too_large_response(unsigned version) {
    return error_response(status::request_header_fields_too_large, "HEADERS_TOO_LARGE",
                          "HeadersTooLargeError", "The request headers are too large", version);
}

response bad_request_response(std::string_view message, unsigned version) {
    return error_response(status::bad_request, "BAD_REQUEST", "BadRequestError", message, version);
}

response internal_error_response(unsigned version) {
    return error_response(status::internal_server_error, "INTERNAL_ERROR", "Error",
                          "Something went wrong", version);
}

// Beast's serializer was a tenth of a REST request's instructions; a Content-Length response
// is just this.
std::optional<std::string> serialize(const response& res) {
    std::string out;
    if (!append_serialized(res, out))
        return std::nullopt;
    return out;
}

bool append_serialized(const response& res, std::string& out) {
    if (res.chunked() || res.find(field::content_length) == res.end())
        return false;
    out.reserve(out.size() + 256 + res.body().size());
    out += res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    char code[4] = {static_cast<char>('0' + res.result_int() / 100 % 10),
                    static_cast<char>('0' + res.result_int() / 10 % 10),
                    static_cast<char>('0' + res.result_int() % 10), ' '};
    out.append(code, 4);
    const auto reason = res.reason();
    out.append(reason.data(), reason.size());
    out += "\r\n";
    for (const auto& f : res) {
        const auto name = f.name_string();
        const auto value = f.value();
        out.append(name.data(), name.size()).append(": ").append(value.data(), value.size());
        out += "\r\n";
    }
    out += "\r\n";
    out += res.body();
    return true;
}

} // namespace senna::http

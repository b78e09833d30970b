#include "http/cors.hpp"

#include <algorithm>

namespace senna::http {

cors_policy::cors_policy(std::vector<std::string> origins) : origins_(std::move(origins)) {
    any_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
}

bool cors_policy::is_preflight(const request& req) {
    return req.method() == verb::options && req.find(field::origin) != req.end() &&
           req.find(field::access_control_request_method) != req.end();
}

bool cors_policy::allowed(std::string_view origin) const {
    return std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

void cors_policy::apply(const request& req, response& res) const {
    // A handler that answered CORS itself (Engine.IO polling, which echoes the origin for
    // credentialed requests) keeps its headers.
    if (res.find(field::access_control_allow_origin) != res.end())
        return;
    if (any_) {
        res.set(field::access_control_allow_origin, "*");
        return;
    }
    res.set(field::vary, "Origin");
    auto it = req.find(field::origin);
    if (it != req.end() && allowed(it->value()))
        res.set(field::access_control_allow_origin, it->value());
}

response cors_policy::preflight(const request& req) const {
    response res{status::no_content, req.version()};
    apply(req, res);
    res.set(field::access_control_allow_methods, "GET,HEAD,PUT,PATCH,POST,DELETE");
    auto rh = req.find(field::access_control_request_headers);
    if (rh != req.end()) {
        res.set(field::access_control_allow_headers, rh->value());
        res.set(field::vary,
                any_ ? "Access-Control-Request-Headers" : "Origin, Access-Control-Request-Headers");
    }
    res.set(field::access_control_max_age, "600");
    res.content_length(0);
    return res;
}

} // namespace senna::http

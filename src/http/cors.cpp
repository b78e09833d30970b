#include "http/cors.hpp"

#include <algorithm>

namespace senna::http {

cors_policy::cors_policy(std::vector<std::string> origins, std::vector<std::string> credentialed)
    : origins_(std::move(origins)), credentialed_(std::move(credentialed)) {
    any_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
}

bool cors_policy::is_preflight(const request& req) {
    return req.method() == verb::options && req.find(field::origin) != req.end() &&
           req.find(field::access_control_request_method) != req.end();
}

bool cors_policy::allowed(std::string_view origin) const {
    return std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

bool cors_policy::credentialed(std::string_view target) const {
    const std::string_view path = target.substr(0, target.find('?'));
    for (std::string_view prefix : credentialed_)
        if (path.starts_with(prefix) ||
            (prefix.ends_with('/') && path == prefix.substr(0, prefix.size() - 1)))
            return true;
    return false;
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
    const auto origin = req.find(field::origin);
    const bool with_credentials = origin != req.end() && (any_ || allowed(origin->value())) &&
                                  credentialed({req.target().data(), req.target().size()});
    if (with_credentials) {
        // A credentialed request may not be answered with "*": echo the origin, as the answers
        // of the requests themselves do (engineio::server::apply_cors).
        res.set(field::access_control_allow_origin, origin->value());
        res.set(field::access_control_allow_credentials, "true");
    } else {
        apply(req, res);
    }
    res.set(field::access_control_allow_methods, "GET,HEAD,PUT,PATCH,POST,DELETE");
    auto rh = req.find(field::access_control_request_headers);
    if (rh != req.end()) {
        res.set(field::access_control_allow_headers, rh->value());
        res.set(field::vary, any_ && !with_credentials ? "Access-Control-Request-Headers"
                                                       : "Origin, Access-Control-Request-Headers");
    } else if (with_credentials) {
        res.set(field::vary, "Origin");
    }
    res.set(field::access_control_max_age, "600");
    res.content_length(0);
    return res;
}

} // namespace senna::http

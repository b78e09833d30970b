#pragma once
// CORS from SOCK_CORS_ORIGINS: "*" lets every origin in; a list echoes a listed Origin back
// (with Vary: Origin) and gives others no Access-Control-Allow-Origin, so browsers block them.

#include "http/types.hpp"

#include <string>
#include <vector>

namespace senna::http {

class cors_policy {
public:
    explicit cors_policy(std::vector<std::string> origins);

    /** True for a preflight: OPTIONS with Origin and Access-Control-Request-Method. */
    static bool is_preflight(const request& req);

    /** The 204 answer to a preflight. */
    response preflight(const request& req) const;

    /** Adds the CORS headers to an ordinary response. */
    void apply(const request& req, response& res) const;

private:
    bool allowed(std::string_view origin) const;
    std::vector<std::string> origins_;
    bool any_ = false;
};

} // namespace senna::http

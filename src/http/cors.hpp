#pragma once
// CORS from SOCK_CORS_ORIGINS: "*" lets every origin in; a list echoes a listed Origin back
// (with Vary: Origin) and gives others no Access-Control-Allow-Origin, so browsers block them.
// Under a credentialed prefix (Socket.IO's /socket.io/, whose polling answers echo the origin
// with Access-Control-Allow-Credentials, as the reference server does), a preflight answers the
// same way, so a browser client with withCredentials and extra headers can connect.

#include "http/types.hpp"

#include <string>
#include <vector>

namespace senna::http {

class cors_policy {
public:
    /** `credentialed` lists path prefixes ("/socket.io/") whose preflights allow credentials. */
    explicit cors_policy(std::vector<std::string> origins,
                         std::vector<std::string> credentialed = {});

    /** True for a preflight: OPTIONS with Origin and Access-Control-Request-Method. */
    static bool is_preflight(const request& req);

    /** The 204 answer to a preflight. */
    response preflight(const request& req) const;

    /** Adds the CORS headers to an ordinary response. */
    void apply(const request& req, response& res) const;

private:
    bool allowed(std::string_view origin) const;
    bool credentialed(std::string_view target) const;
    std::vector<std::string> origins_;
    std::vector<std::string> credentialed_;
    bool any_ = false;
};

} // namespace senna::http

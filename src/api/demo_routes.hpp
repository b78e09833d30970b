#pragma once
// The demo web client (README, "The demo"): its embedded files at /demo and /demo/<file>, and
// POST /demo/token, which signs a token for any user so a newcomer can chat at once. Added only
// when the demo is on (SOCK_DEMO; on by default in development): otherwise these paths are
// unknown routes (404). Everything else the demo does goes through the public API.

#include "http/router.hpp"

#include <cstdint>
#include <functional>
#include <string_view>

namespace senna::auth {
class signing_key;
}

namespace senna::api {

struct demo_services {
    /** Signs POST /demo/token's tokens. Null: that route answers 404 DEMO_TOKENS_DISABLED
        (production, or an asymmetric algorithm whose private key senna does not hold). */
    const auth::signing_key* signer = nullptr;
    std::int64_t token_ttl_seconds = 3600;
    /** Unix seconds, for iat/exp. */
    std::function<std::int64_t()> now;
};

/** Adds the demo's routes to `r`. `services` must outlive the router. */
void add_demo_routes(http::router& r, const demo_services& services);

/** The Socket.IO Admin UI's files at /admin-ui/ (issue 17; added with SOCK_ADMIN_UI): the page
    at /admin-ui/ (/admin-ui redirects there, so its relative links resolve), its scripts,
    styles, images and icon font, with a Content-Security-Policy that lets the page load only
    from senna and talk only to it. */
void add_admin_ui_routes(http::router& r);

/** The Content-Type of a demo file, by its extension ("" for an unknown one). */
std::string_view demo_content_type(std::string_view name) noexcept;

} // namespace senna::api

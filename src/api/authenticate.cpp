#include "api/authenticate.hpp"

#include "http/response.hpp"
#include "realtime/moderation.hpp"
#include "util/strings.hpp"

#include <chrono>

namespace senna::api {

namespace {
std::string_view sv(boost::beast::string_view v) {
    return {v.data(), v.size()};
}
} // namespace

std::string_view find_token(const http::request& req, std::string_view header) {
    auto direct = req.find(boost::beast::string_view(header.data(), header.size()));
    if (direct != req.end()) {
        auto t = util::trim(sv(direct->value()));
        if (!t.empty())
            return t;
    }
    auto authz = req.find(http::field::authorization);
    if (authz != req.end()) {
        auto v = util::trim(sv(authz->value()));
        if (v.size() > 7 && util::iequals(v.substr(0, 7), "Bearer "))
            return util::trim(v.substr(7));
    }
    return {};
}

http::response token_error_response(auth::error e, unsigned version) {
    if (e == auth::error::invalid_user_id)
        return http::error_response(http::status::unauthorized, "INVALID_TOKEN_ERR",
                                    "UnauthenticatedError",
                                    "Incorrect token - please try a different one", version);
    return http::error_response(http::status::unauthorized, "INVALID_TOKEN_ERR",
                                auth::error_name(e),
                                "Your token is invalid - please check it and try again", version);
}

http::response user_banned_response(unsigned version) {
    return http::error_response(http::status::forbidden, user_banned_code, "ForbiddenError",
                                user_banned_message, version);
}

http::response token_revoked_response(unsigned version) {
    return http::error_response(http::status::unauthorized, token_revoked_code, "TokenRevokedError",
                                token_revoked_message, version);
}

http::response user_muted_response(unsigned version) {
    return http::error_response(http::status::forbidden, user_muted_code, "ForbiddenError",
                                user_muted_message, version);
}

bool muted(const auth_settings& settings, std::string_view topic, std::string_view user) {
    return settings.moderation &&
           settings.moderation->state().muted(topic, user, realtime::unix_now());
}

moderated moderation_of(const auth_settings& settings, const auth::identity& who) {
    if (!settings.moderation)
        return moderated::no;
    const auto& state = settings.moderation->state();
    if (state.banned(who.user_id, realtime::unix_now()))
        return moderated::banned;
    if (state.revoked(who.user_id, who.issued_at))
        return moderated::revoked;
    return moderated::no;
}

http::response not_authenticated_response(unsigned version) {
    return http::error_response(http::status::unauthorized, "NOT_AUTHENTICATED",
                                "UnauthenticatedError", "You are not authenticated", version);
}

boost::system::result<auth::identity> verify_token(const auth_settings& settings,
                                                   std::string_view token, std::int64_t now_unix) {
    if (settings.cache)
        return settings.cache->verify(settings.verifier, token, now_unix, settings.leeway_seconds);
    return settings.verifier.verify(token, now_unix, settings.leeway_seconds);
}

auth_result authenticate(const http::request& req, const auth_settings& settings) {
    auto token = find_token(req, settings.header);
    if (token.empty())
        return {};
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    auto r = verify_token(settings, token, now);
    if (!r) {
        auto e = static_cast<auth::error>(r.error().value());
        if (r.error().category() != auth::make_error_code(auth::error::malformed).category())
            e = auth::error::malformed;
        util::metrics::count(settings.refusals, util::metrics::refusal::rest_invalid_token);
        return {std::nullopt, token_error_response(e, req.version())};
    }
    switch (moderation_of(settings, *r)) {
    case moderated::banned:
        util::metrics::count(settings.refusals, util::metrics::refusal::rest_user_banned);
        return {std::nullopt, user_banned_response(req.version())};
    case moderated::revoked:
        util::metrics::count(settings.refusals, util::metrics::refusal::rest_token_revoked);
        return {std::nullopt, token_revoked_response(req.version())};
    case moderated::no:
        break;
    }
    return {std::move(*r), std::nullopt};
}

} // namespace senna::api

// A socket's token verified, then the platform's session check (SPEC §6, SOCK_API_URL): the
// same for the connect hook, the legacy `authenticate` event and `refresh-token`.
#include "api/authenticate.hpp"
#include "api/directory.hpp"
#include "api/realtime_edge.hpp"
#include "platform/client.hpp"
#include "util/log.hpp"

namespace senna::api::edge {

admission verify_token(const realtime_services& s, std::string_view token) {
    admission a;
    auto r = api::verify_token(s.auth, token, now_unix());
    if (!r) {
        util::metrics::count(s.auth.refusals, util::metrics::refusal::socket_invalid_token);
        const bool no_user = r.error() == auth::make_error_code(auth::error::invalid_user_id);
        a.error = no_user ? client_error::incorrect_token : client_error::invalid_token;
        return a;
    }
    // A moderator's ban or revocation (issue 17), as REST refuses them (api::authenticate).
    switch (moderation_of(s.auth, *r)) {
    case moderated::banned:
        util::metrics::count(s.auth.refusals, util::metrics::refusal::socket_user_banned);
        a.error = client_error::user_banned;
        return a;
    case moderated::revoked:
        util::metrics::count(s.auth.refusals, util::metrics::refusal::socket_token_revoked);
        a.error = client_error::token_revoked;
        return a;
    case moderated::no:
        break;
    }
    a.ok = true;
    a.who = std::move(*r);
    return a;
}

net::awaitable<admission> admit(const realtime_services& s, std::string token) {
    admission a = verify_token(s, token);
    if (!a.ok)
        co_return a;
    if (s.platform) {
        platform::session_result r = co_await s.platform->session(token);
        using oc = platform::session_result::outcome;
        if (r.result == oc::refused) {
            util::metrics::count(s.auth.refusals,
                                 r.reason == "banned"
                                     ? util::metrics::refusal::socket_user_banned
                                     : util::metrics::refusal::socket_session_rejected);
            a.ok = false;
            a.error = r.reason == "banned"    ? client_error::user_banned
                      : r.reason == "deleted" ? client_error::user_deleted
                                              : client_error::session_rejected;
            co_return a;
        }
        if (r.result == oc::failed) {
            log::warn("session_check_failed",
                      {{"reason", r.reason}, {"admitting", s.session_fail_open}});
            if (!s.session_fail_open) {
                util::metrics::count(s.auth.refusals,
                                     util::metrics::refusal::socket_session_rejected);
                a.ok = false;
                a.error = client_error::session_check_failed;
                co_return a;
            }
        }
    }
    if (s.people)
        s.people->remember(chat::id{a.who->user_id, a.who->numeric}, a.who->claims);
    co_return a;
}

} // namespace senna::api::edge

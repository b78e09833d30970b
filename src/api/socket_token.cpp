// Where a socket's token is found (SPEC §5): the CONNECT payload's auth.token, the `token`
// query parameter, the SOCK_JWT_HEADER header or Authorization: Bearer.
#include "api/realtime_edge.hpp"
#include "http/query.hpp"
#include "util/strings.hpp"

#include <cctype>

namespace senna::api::edge {

std::string find_socket_token(const socketio::socket& s, const std::string& header) {
    if (s.auth().is_object()) {
        auto t = nonempty(s.auth().get_object().if_contains("token"));
        if (!t.empty())
            return t;
    }
    const auto& hs = s.handshake();
    auto q = http::find_query(hs.query, "token");
    if (q.present) {
        auto t = util::trim(q.value);
        if (!t.empty())
            return std::string(t);
    }
    std::string lower;
    for (char c : header)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto direct = util::trim(hs.header(lower));
    if (!direct.empty())
        return std::string(direct);
    auto authz = util::trim(hs.header("authorization"));
    if (authz.size() > 7 && util::iequals(authz.substr(0, 7), "Bearer "))
        return std::string(util::trim(authz.substr(7)));
    return {};
}

} // namespace senna::api::edge

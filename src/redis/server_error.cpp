#include "redis/server_error.hpp"

namespace senna::redis {

server_error classify(std::string_view text) noexcept {
    const std::string_view code = text.substr(0, text.find(' '));
    for (server_error e : all_server_errors)
        if (e != server_error::other && code == code_of(e))
            return e;
    return server_error::other;
}

std::string_view code_of(server_error e) noexcept {
    switch (e) {
    case server_error::none:
        return "";
    case server_error::other:
        return "ERR";
    case server_error::oom:
        return "OOM";
    case server_error::readonly:
        return "READONLY";
    case server_error::loading:
        return "LOADING";
    case server_error::busy:
        return "BUSY";
    case server_error::masterdown:
        return "MASTERDOWN";
    case server_error::clusterdown:
        return "CLUSTERDOWN";
    case server_error::tryagain:
        return "TRYAGAIN";
    case server_error::noscript:
        return "NOSCRIPT";
    case server_error::misconf:
        return "MISCONF";
    case server_error::noreplicas:
        return "NOREPLICAS";
    case server_error::execabort:
        return "EXECABORT";
    }
    return "ERR";
}

} // namespace senna::redis

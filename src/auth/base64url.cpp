#include "auth/base64url.hpp"

#include "util/base64.hpp"

namespace senna::auth {

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    util::base64_encode(bytes, util::base64_alphabet::url, false, out);
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    std::string out;
    if (!util::base64_decode(text, util::base64_alphabet::url, util::base64_mode::canonical, out))
        return std::nullopt;
    return out;
}

} // namespace senna::auth

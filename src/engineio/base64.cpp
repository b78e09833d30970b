#include "engineio/base64.hpp"

#include "util/base64.hpp"

namespace senna::engineio {

void base64_encode(std::string_view bytes, std::string& out) {
    util::base64_encode(bytes, util::base64_alphabet::standard, true, out);
}

bool base64_decode(std::string_view text, std::string& out) {
    return util::base64_decode(text, util::base64_alphabet::standard, util::base64_mode::lenient,
                               out);
}

} // namespace senna::engineio

#pragma once
// Helpers shared by the auth tests: build HS* tokens locally and read fixture files.

#include "auth/algorithm.hpp"
#include "auth/base64url.hpp"

#include <fstream>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace senna::auth::test {

inline std::string hmac(algorithm alg, std::string_view secret, std::string_view input) {
    const EVP_MD* md = alg == algorithm::hs256   ? EVP_sha256()
                       : alg == algorithm::hs384 ? EVP_sha384()
                                                 : EVP_sha512();
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(md, secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), out, &length);
    return std::string(reinterpret_cast<const char*>(out), length);
}

/** header.payload.signature from raw JSON texts and raw signature bytes. */
inline std::string compact(std::string_view header_json, std::string_view payload_json,
                           std::string_view signature) {
    return base64url_encode(header_json) + "." + base64url_encode(payload_json) + "." +
           base64url_encode(signature);
}

/** An HS* token whose header names `header_alg` and which is MACed with `alg`/`secret`. */
inline std::string hs_token(algorithm alg, std::string_view secret, std::string_view payload_json,
                            std::string_view header_alg = {}) {
    const std::string name(header_alg.empty() ? algorithm_name(alg) : header_alg);
    const std::string input = base64url_encode(R"({"alg":")" + name + R"(","typ":"JWT"})") + "." +
                              base64url_encode(payload_json);
    return input + "." + base64url_encode(hmac(alg, secret, input));
}

inline std::string read_fixture(const std::string& name) {
    const std::string path = std::string(SENNA_SOURCE_DIR) + "/tests/fixtures/jwt/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot open " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace senna::auth::test

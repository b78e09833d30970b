#include "redis/script.hpp"

#include <openssl/evp.h>
#include <stdexcept>

namespace senna::redis {

script::script(std::string body) : body_(std::move(body)) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    // Only fails if OpenSSL itself is broken: a startup failure, hence an exception.
    if (EVP_Digest(body_.data(), body_.size(), digest, &len, EVP_sha1(), nullptr) != 1)
        throw std::runtime_error("redis::script: SHA1 failed");
    static constexpr char hex[] = "0123456789abcdef";
    sha1_.reserve(2 * len);
    for (unsigned int i = 0; i < len; ++i) {
        sha1_ += hex[digest[i] >> 4];
        sha1_ += hex[digest[i] & 0xf];
    }
}

} // namespace senna::redis

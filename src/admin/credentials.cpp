#include "admin/credentials.hpp"

#include "admin/admin_ui.hpp"

#include <array>
#include <crypt.h>
#include <cstring>
#include <memory>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/random.h>

namespace senna::admin {

bool password_matches(std::string_view password, const std::string& hash) {
    if (hash.empty() || password.size() > 1024)
        return false;
    // crypt_data is large (tens of KB): on the heap, one per call (reentrant).
    auto data = std::make_unique<crypt_data>();
    std::memset(data.get(), 0, sizeof(crypt_data));
    const std::string pw(password);
    const char* out = ::crypt_r(pw.c_str(), hash.c_str(), data.get());
    if (!out || out[0] == '*')
        return false; // crypt(3) failure strings start with '*'
    const std::size_t n = std::strlen(out);
    return n == hash.size() && CRYPTO_memcmp(out, hash.data(), n) == 0;
}

namespace {

std::string hex(const unsigned char* p, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 15];
    }
    return out;
}

} // namespace

std::string random_hex(std::size_t bytes) {
    std::array<unsigned char, 32> rnd{};
    std::size_t got = 0;
    while (got < bytes) {
        auto n = ::getrandom(rnd.data() + got, bytes - got, 0);
        if (n > 0)
            got += static_cast<std::size_t>(n);
    }
    return hex(rnd.data(), bytes);
}

std::string sha256_hex(std::string_view s) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(s.data(), s.size(), md, &len, EVP_sha256(), nullptr);
    return hex(md, len);
}

} // namespace senna::admin

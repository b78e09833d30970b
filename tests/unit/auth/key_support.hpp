#pragma once
// Private keys made for the signing tests (OpenSSL 3), as PEM text.

#include <memory>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdexcept>
#include <string>

namespace senna::auth::test {

/** "RSA" with `bits`, "P-256", "P-384" or "ED25519": a fresh key's PKCS#8 PEM, optionally
    encrypted with `passphrase`. */
inline std::string private_pem(const std::string& kind, unsigned bits = 2048,
                               const char* passphrase = nullptr) {
    EVP_PKEY* raw = nullptr;
    if (kind == "RSA")
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
    else if (kind == "ED25519")
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    else
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", kind.c_str());
    if (!raw)
        throw std::runtime_error("keygen failed for " + kind);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(raw, EVP_PKEY_free);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    const EVP_CIPHER* cipher = passphrase ? EVP_aes_256_cbc() : nullptr;
    if (PEM_write_bio_PrivateKey(bio.get(), key.get(), cipher, nullptr, 0, nullptr,
                                 const_cast<char*>(passphrase)) != 1)
        throw std::runtime_error("PEM write failed");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

} // namespace senna::auth::test

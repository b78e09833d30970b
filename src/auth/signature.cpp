#include "auth/signature.hpp"

#include "auth/error.hpp"

#include <array>
#include <climits>
#include <cstring>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <utility>

namespace senna::auth {

namespace {

// RAII for the OpenSSL objects used here.
struct bio_free {
    void operator()(BIO* p) const noexcept { BIO_free(p); }
};
struct pkey_free {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct x509_free {
    void operator()(X509* p) const noexcept { X509_free(p); }
};
struct md_ctx_free {
    void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
struct mac_free {
    void operator()(EVP_MAC* p) const noexcept { EVP_MAC_free(p); }
};
struct mac_ctx_free {
    void operator()(EVP_MAC_CTX* p) const noexcept { EVP_MAC_CTX_free(p); }
};
struct ecdsa_sig_free {
    void operator()(ECDSA_SIG* p) const noexcept { ECDSA_SIG_free(p); }
};
struct openssl_free {
    void operator()(void* p) const noexcept { OPENSSL_free(p); }
};

using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using mac_ctx_ptr = std::unique_ptr<EVP_MAC_CTX, mac_ctx_free>;

// OpenSSL keeps a per-thread error queue; every failed call we treat as a plain "no" would
// otherwise leave entries behind that a later, unrelated caller might misread.
struct clear_errors_on_exit {
    clear_errors_on_exit() = default;
    clear_errors_on_exit(const clear_errors_on_exit&) = delete;
    clear_errors_on_exit& operator=(const clear_errors_on_exit&) = delete;
    ~clear_errors_on_exit() { ERR_clear_error(); }
};

const char* digest_name(algorithm a) noexcept {
    switch (a) {
    case algorithm::hs256:
    case algorithm::rs256:
    case algorithm::es256:
        return "SHA256";
    case algorithm::hs384:
    case algorithm::rs384:
    case algorithm::es384:
        return "SHA384";
    case algorithm::hs512:
    case algorithm::rs512:
        return "SHA512";
    case algorithm::eddsa:
        return nullptr; // Ed25519 hashes internally (PureEdDSA)
    }
    return nullptr;
}

const EVP_MD* digest(algorithm a) noexcept {
    switch (a) {
    case algorithm::hs256:
    case algorithm::rs256:
    case algorithm::es256:
        return EVP_sha256();
    case algorithm::hs384:
    case algorithm::rs384:
    case algorithm::es384:
        return EVP_sha384();
    case algorithm::hs512:
    case algorithm::rs512:
        return EVP_sha512();
    case algorithm::eddsa:
        return nullptr;
    }
    return nullptr;
}

// Size in bytes of each of r and s in a JOSE ECDSA signature (RFC 7518 §3.4).
std::size_t ecdsa_coordinate_size(algorithm a) noexcept {
    return a == algorithm::es256 ? 32 : a == algorithm::es384 ? 48 : 0;
}

// Reads the first PEM block and returns its public key, or null. Accepts only the public
// types listed in signature.hpp: a private key or an encrypted block is a configuration
// mistake we refuse rather than guess about.
pkey_ptr load_public_key(std::string_view pem) {
    if (pem.empty() || pem.size() > INT_MAX)
        return nullptr;
    std::unique_ptr<BIO, bio_free> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio)
        return nullptr;
    char* name_raw = nullptr;
    char* header_raw = nullptr;
    unsigned char* data_raw = nullptr;
    long length = 0;
    if (PEM_read_bio(bio.get(), &name_raw, &header_raw, &data_raw, &length) != 1)
        return nullptr;
    std::unique_ptr<char, openssl_free> name(name_raw);
    std::unique_ptr<char, openssl_free> header(header_raw);
    std::unique_ptr<unsigned char, openssl_free> data(data_raw);
    if (header && header.get()[0] != '\0') // Proc-Type / DEK-Info: an encrypted legacy block
        return nullptr;

    const std::string_view type = name.get();
    const unsigned char* p = data.get();
    pkey_ptr key;
    if (type == "PUBLIC KEY") {
        key.reset(d2i_PUBKEY(nullptr, &p, length));
    } else if (type == "RSA PUBLIC KEY") {
        key.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, length));
    } else if (type == "CERTIFICATE") {
        std::unique_ptr<X509, x509_free> cert(d2i_X509(nullptr, &p, length));
        if (cert)
            key.reset(X509_get_pubkey(cert.get()));
    }
    if (key && p != data.get() + length) // trailing bytes inside the block
        return nullptr;
    return key;
}

int named_curve(const EVP_PKEY* key) noexcept {
    std::array<char, 80> name{};
    std::size_t length = 0;
    if (EVP_PKEY_get_group_name(key, name.data(), name.size(), &length) != 1)
        return NID_undef; // explicit curve parameters, or not EC at all
    int nid = OBJ_sn2nid(name.data());
    if (nid == NID_undef)
        nid = EC_curve_nist2nid(name.data());
    return nid;
}

bool key_fits(algorithm alg, const EVP_PKEY* key) noexcept {
    switch (alg) {
    case algorithm::rs256:
    case algorithm::rs384:
    case algorithm::rs512:
        return EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA && EVP_PKEY_get_bits(key) >= 2048;
    case algorithm::es256:
        return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC && named_curve(key) == NID_X9_62_prime256v1;
    case algorithm::es384:
        return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC && named_curve(key) == NID_secp384r1;
    case algorithm::eddsa:
        return EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519;
    default:
        return false;
    }
}

// Converts a JOSE r||s signature to the DER ECDSA-Sig-Value OpenSSL verifies. Returns the
// DER length written to `out`, or 0 when the input has the wrong length.
std::size_t jose_to_der(std::string_view raw, std::size_t coordinate_size,
                        std::array<unsigned char, 128>& out) noexcept {
    if (coordinate_size == 0 || raw.size() != 2 * coordinate_size)
        return 0;
    const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
    std::unique_ptr<ECDSA_SIG, ecdsa_sig_free> sig(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(bytes, static_cast<int>(coordinate_size), nullptr);
    BIGNUM* s = BN_bin2bn(bytes + coordinate_size, static_cast<int>(coordinate_size), nullptr);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        return 0;
    }
    // P-384 needs at most 2 + 2 * (2 + 49) = 104 bytes; check before writing into `out`.
    const int needed = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (needed <= 0 || static_cast<std::size_t>(needed) > out.size())
        return 0;
    unsigned char* cursor = out.data();
    const int written = i2d_ECDSA_SIG(sig.get(), &cursor);
    return written > 0 ? static_cast<std::size_t>(written) : 0;
}

} // namespace

namespace {
/** An HMAC context initialised with `key` for `alg`'s digest (verifying and signing keys alike);
    null when the key is empty or OpenSSL refuses. */
mac_ctx_ptr hmac_context(algorithm alg, std::string_view key) {
    if (key.empty())
        return nullptr;
    std::unique_ptr<EVP_MAC, mac_free> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (!mac)
        return nullptr;
    mac_ctx_ptr ctx(EVP_MAC_CTX_new(mac.get()));
    if (!ctx)
        return nullptr;
    std::array<OSSL_PARAM, 2> params{
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest_name(alg)),
                                         0),
        OSSL_PARAM_construct_end()};
    if (EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                     params.data()) != 1)
        return nullptr;
    return ctx;
}

} // namespace

struct signature_key::state {
    pkey_ptr public_key; // RS*, ES*, EdDSA
    mac_ctx_ptr mac;     // HS*: HMAC initialised with the secret; duplicated per verify
};

boost::system::result<signature_key> signature_key::create(algorithm alg, std::string_view key) {
    const clear_errors_on_exit clear;
    auto s = std::make_shared<state>();
    if (is_hmac(alg)) {
        s->mac = hmac_context(alg, key);
        if (!s->mac)
            return make_error_code(error::invalid_key);
    } else {
        s->public_key = load_public_key(key);
        if (!s->public_key || !key_fits(alg, s->public_key.get()))
            return make_error_code(error::invalid_key);
        // One verify set-up now: it proves the key is usable with this digest and makes
        // OpenSSL build its provider-side copy of the key here rather than on first use.
        std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx(EVP_MD_CTX_new());
        if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, digest(alg), nullptr,
                                         s->public_key.get()) != 1)
            return make_error_code(error::invalid_key);
    }
    return signature_key(alg, std::move(s));
}

bool signature_key::verify(std::string_view signing_input,
                           std::string_view signature) const noexcept {
    if (signature.empty() || !state_)
        return false;
    const clear_errors_on_exit clear;
    const auto* input = reinterpret_cast<const unsigned char*>(signing_input.data());

    if (state_->mac) {
        mac_ctx_ptr mac(EVP_MAC_CTX_dup(state_->mac.get()));
        std::array<unsigned char, EVP_MAX_MD_SIZE> expected{};
        std::size_t length = 0;
        if (!mac || EVP_MAC_update(mac.get(), input, signing_input.size()) != 1 ||
            EVP_MAC_final(mac.get(), expected.data(), &length, expected.size()) != 1)
            return false;
        // The MAC length is public (fixed by the algorithm); only the bytes need constant
        // time, so an attacker cannot learn a valid MAC prefix by timing.
        return signature.size() == length &&
               CRYPTO_memcmp(expected.data(), signature.data(), length) == 0;
    }

    std::array<unsigned char, 128> der{};
    const unsigned char* sig = reinterpret_cast<const unsigned char*>(signature.data());
    std::size_t sig_length = signature.size();
    if (alg_ == algorithm::es256 || alg_ == algorithm::es384) {
        sig_length = jose_to_der(signature, ecdsa_coordinate_size(alg_), der);
        if (sig_length == 0)
            return false;
        sig = der.data();
    } else if (alg_ == algorithm::eddsa && signature.size() != 64) {
        return false;
    }

    std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pkey_ctx = nullptr; // owned by ctx
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pkey_ctx, digest(alg_), nullptr,
                                     state_->public_key.get()) != 1)
        return false;
    if (EVP_PKEY_get_base_id(state_->public_key.get()) == EVP_PKEY_RSA &&
        EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PADDING) <= 0)
        return false; // RS* is RSASSA-PKCS1-v1_5 (RFC 7518 §3.3), never PSS
    return EVP_DigestVerify(ctx.get(), sig, sig_length, input, signing_input.size()) == 1;
}

} // namespace senna::auth

namespace senna::auth {

namespace {

// The first PEM block as an unencrypted private key, or null. No passphrase callback may
// prompt: an encrypted key fails (the callback returns 0 bytes).
pkey_ptr load_private_key(std::string_view pem) {
    if (pem.empty() || pem.size() > INT_MAX)
        return nullptr;
    std::unique_ptr<BIO, bio_free> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio)
        return nullptr;
    auto no_passphrase = [](char*, int, int, void*) -> int { return 0; };
    return pkey_ptr(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
}

// Converts an OpenSSL DER ECDSA signature into JOSE's fixed-size r||s (RFC 7518 §3.4).
std::string der_to_jose(const unsigned char* der, std::size_t length, std::size_t coordinate_size) {
    const unsigned char* p = der;
    std::unique_ptr<ECDSA_SIG, ecdsa_sig_free> sig(
        d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(length)));
    if (!sig)
        return {};
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    std::string out(2 * coordinate_size, '\0');
    auto* bytes = reinterpret_cast<unsigned char*>(out.data());
    if (BN_bn2binpad(r, bytes, static_cast<int>(coordinate_size)) < 0 ||
        BN_bn2binpad(s, bytes + coordinate_size, static_cast<int>(coordinate_size)) < 0)
        return {};
    return out;
}

} // namespace

struct signing_key::state {
    pkey_ptr private_key; // RS*, ES*, EdDSA
    mac_ctx_ptr mac;      // HS*
};

boost::system::result<signing_key> signing_key::create(algorithm alg, std::string_view key) {
    const clear_errors_on_exit clear;
    auto s = std::make_shared<state>();
    if (is_hmac(alg)) {
        // The verifying key of the same secret holds exactly the MAC set-up signing needs.
        s->mac = hmac_context(alg, key);
        if (!s->mac)
            return make_error_code(error::invalid_key);
    } else {
        s->private_key = load_private_key(key);
        if (!s->private_key || !key_fits(alg, s->private_key.get()))
            return make_error_code(error::invalid_key);
    }
    return signing_key(alg, std::move(s));
}

std::string signing_key::sign(std::string_view signing_input) const {
    if (!state_)
        return {};
    const clear_errors_on_exit clear;
    const auto* input = reinterpret_cast<const unsigned char*>(signing_input.data());
    if (state_->mac) {
        mac_ctx_ptr mac(EVP_MAC_CTX_dup(state_->mac.get()));
        std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
        std::size_t length = 0;
        if (!mac || EVP_MAC_update(mac.get(), input, signing_input.size()) != 1 ||
            EVP_MAC_final(mac.get(), out.data(), &length, out.size()) != 1)
            return {};
        return std::string(reinterpret_cast<const char*>(out.data()), length);
    }
    std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pkey_ctx = nullptr; // owned by ctx
    if (!ctx || EVP_DigestSignInit(ctx.get(), &pkey_ctx, digest(alg_), nullptr,
                                   state_->private_key.get()) != 1)
        return {};
    if (EVP_PKEY_get_base_id(state_->private_key.get()) == EVP_PKEY_RSA &&
        EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PADDING) <= 0)
        return {};
    std::size_t length = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &length, input, signing_input.size()) != 1)
        return {};
    std::string out(length, '\0');
    auto* bytes = reinterpret_cast<unsigned char*>(out.data());
    if (EVP_DigestSign(ctx.get(), bytes, &length, input, signing_input.size()) != 1)
        return {};
    out.resize(length);
    if (alg_ == algorithm::es256 || alg_ == algorithm::es384)
        return der_to_jose(bytes, length, ecdsa_coordinate_size(alg_));
    return out;
}

std::string signing_key::public_pem() const {
    if (!state_ || !state_->private_key)
        return {};
    const clear_errors_on_exit clear;
    std::unique_ptr<BIO, bio_free> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), state_->private_key.get()) != 1)
        return {};
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return length > 0 ? std::string(data, static_cast<std::size_t>(length)) : std::string();
}

} // namespace senna::auth

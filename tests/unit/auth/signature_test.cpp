// signature_key on its own: the RFC 8037 Ed25519 example, X.509 certificate keys, ECDSA
// signature encodings, and the RSA key size floor.

#include "auth/jwt.hpp"
#include "auth/signature.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <memory>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <string>

namespace auth = senna::auth;
using auth::algorithm;
using auth::error;

namespace {

struct pkey_free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(length));
}

std::string public_pem(EVP_PKEY* key) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_PUBKEY(bio.get(), key);
    return bio_text(bio.get());
}

// A self-signed certificate for `key`, as PEM.
std::string certificate_pem(EVP_PKEY* key) {
    std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("senna-test"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    EXPECT_GT(X509_sign(cert.get(), key, EVP_sha256()), 0);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(bio.get(), cert.get());
    return bio_text(bio.get());
}

// ECDSA over `input` with SHA-256; returns the DER signature OpenSSL produces.
std::string sign_der(EVP_PKEY* key, std::string_view input) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key);
    std::size_t length = 0;
    const auto* in = reinterpret_cast<const unsigned char*>(input.data());
    EVP_DigestSign(ctx.get(), nullptr, &length, in, input.size());
    std::string out(length, '\0');
    EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &length, in,
                   input.size());
    out.resize(length);
    return out;
}

// DER ECDSA-Sig-Value -> JOSE r||s with `size`-byte halves.
std::string der_to_jose(const std::string& der, int size) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
        d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())), ECDSA_SIG_free);
    std::string out(2 * static_cast<std::size_t>(size), '\0');
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), o, size);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), o + size, size);
    return out;
}

} // namespace

// RFC 8037 Appendix A.4: Ed25519 signature over the example's signing input.
TEST(signature, rfc8037_a4_ed25519_example) {
    auto key = auth::signature_key::create(
        algorithm::eddsa, "-----BEGIN PUBLIC KEY-----\n"
                          "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
                          "-----END PUBLIC KEY-----\n");
    ASSERT_TRUE(key);
    const std::string input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
    auto sig = auth::base64url_decode("hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylG"
                                      "jg5BhVsPt9g7sVvpAr_MuM0KAg");
    ASSERT_TRUE(sig);
    EXPECT_TRUE(key->verify(input, *sig));
    EXPECT_FALSE(key->verify(input + "x", *sig));
    std::string flipped = *sig;
    flipped[10] = static_cast<char>(flipped[10] ^ 1);
    EXPECT_FALSE(key->verify(input, flipped));
    EXPECT_FALSE(key->verify(input, sig->substr(0, 63)));
    EXPECT_FALSE(key->verify(input, ""));
}

TEST(signature, es256_with_a_certificate_key_and_jose_signatures) {
    pkey_ptr key(EVP_EC_gen("P-256"));
    ASSERT_TRUE(key);
    auto v = auth::verifier::create(algorithm::es256, certificate_pem(key.get()));
    ASSERT_TRUE(v) << v.error().message();

    const std::string input = auth::base64url_encode(R"({"alg":"ES256"})") + "." +
                              auth::base64url_encode(R"({"user_id":"carol"})");
    const std::string der = sign_der(key.get(), input);
    const std::string jose = der_to_jose(der, 32);

    auto id = v->verify(input + "." + auth::base64url_encode(jose), 0, 0);
    ASSERT_TRUE(id) << id.error().message();
    EXPECT_EQ(id->user_id, "carol");
    EXPECT_FALSE(id->numeric);
    // DER is not the JOSE form; neither is a wrong-length r||s.
    EXPECT_EQ(v->verify(input + "." + auth::base64url_encode(der), 0, 0).error(),
              error::bad_signature);
    EXPECT_EQ(v->verify(input + "." + auth::base64url_encode(jose + "\x01"), 0, 0).error(),
              error::bad_signature);
    EXPECT_EQ(v->verify(input + "." + auth::base64url_encode(std::string(64, '\0')), 0, 0).error(),
              error::bad_signature);
}

TEST(signature, certificate_with_the_wrong_key_type_is_refused) {
    pkey_ptr key(EVP_EC_gen("P-256"));
    ASSERT_TRUE(key);
    auto v = auth::verifier::create(algorithm::rs256, certificate_pem(key.get()));
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error(), error::invalid_key);
}

TEST(signature, rsa_keys_below_2048_bits_are_refused) {
    pkey_ptr small(EVP_RSA_gen(1024));
    ASSERT_TRUE(small);
    auto v = auth::verifier::create(algorithm::rs256, public_pem(small.get()));
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error(), error::invalid_key);
}

TEST(signature, private_key_pem_is_refused) {
    pkey_ptr key(EVP_EC_gen("P-256"));
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    auto v = auth::verifier::create(algorithm::es256, bio_text(bio.get()));
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error(), error::invalid_key);
}

TEST(signature, hmac_compares_whole_macs_only) {
    auto key = auth::signature_key::create(algorithm::hs256, "k");
    ASSERT_TRUE(key);
    const std::string mac = auth::test::hmac(algorithm::hs256, "k", "input");
    EXPECT_TRUE(key->verify("input", mac));
    EXPECT_FALSE(key->verify("input", mac.substr(0, 16)));
    EXPECT_FALSE(key->verify("input", mac + "x"));
    EXPECT_FALSE(key->verify("input", ""));
}

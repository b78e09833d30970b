#pragma once
// The cryptographic half of JWTs: one configured key and the JWS signature check for one
// pinned algorithm (RFC 7518 §3, RFC 8037 §3.1), and its signing counterpart for the tokens
// senna mints itself (`senna token`, the demo). Knows nothing of JSON or claims; jwt.hpp and
// issue.hpp build on it. OpenSSL stays inside signature.cpp.

#include "auth/algorithm.hpp"

#include <boost/system/result.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace senna::auth {

class signature_key {
public:
    /**
     * HS*: `key` is the secret bytes (must not be empty). RS*, ES*, EdDSA: `key` is PEM text
     * whose first block is a "PUBLIC KEY" (SubjectPublicKeyInfo), an "RSA PUBLIC KEY"
     * (PKCS#1) or a "CERTIFICATE" (its subject key is used; the certificate itself is not
     * validated). The key must fit the algorithm: RSA of at least 2048 bits for RS* (RFC 7518
     * §3.3 requires it), EC P-256 for ES256, EC P-384 for ES384, Ed25519 for EdDSA.
     * Fails with error::invalid_key otherwise.
     */
    static boost::system::result<signature_key> create(algorithm alg, std::string_view key);

    /**
     * True when `signature` (decoded bytes in JWS form: the MAC, the RSA signature, raw r||s
     * for ECDSA, or the 64-byte Ed25519 signature) signs `signing_input` under this key. An
     * empty or wrong-length signature is false. MACs are compared in constant time.
     * Const and thread-safe: many threads may call it at once on one object or its copies.
     */
    bool verify(std::string_view signing_input, std::string_view signature) const noexcept;

    algorithm alg() const noexcept { return alg_; }

private:
    struct state;

    signature_key(algorithm alg, std::shared_ptr<const state> s) noexcept
        : alg_(alg), state_(std::move(s)) {}

    algorithm alg_;
    // Shared and immutable after create(): copies are cheap, and OpenSSL allows concurrent
    // read-only use of an EVP_PKEY and duplication of an initialised EVP_MAC_CTX.
    std::shared_ptr<const state> state_;
};

/** The signing side: an HMAC secret or a private key, for one pinned algorithm. */
class signing_key {
public:
    /**
     * HS*: `key` is the secret bytes (must not be empty). RS*, ES*, EdDSA: `key` is PEM text
     * of an unencrypted private key ("PRIVATE KEY" (PKCS#8), "RSA PRIVATE KEY" or "EC PRIVATE
     * KEY") that fits the algorithm as for signature_key. Fails with error::invalid_key
     * otherwise (an encrypted key included: nothing prompts for a passphrase).
     */
    static boost::system::result<signing_key> create(algorithm alg, std::string_view key);

    /** The JWS signature bytes of `signing_input` (raw r||s for ECDSA); empty on failure. */
    std::string sign(std::string_view signing_input) const;

    /** For RS*, ES*, EdDSA: the public half as "PUBLIC KEY" PEM (to verify with); else "". */
    std::string public_pem() const;

    algorithm alg() const noexcept { return alg_; }

private:
    struct state;

    signing_key(algorithm alg, std::shared_ptr<const state> s) noexcept
        : alg_(alg), state_(std::move(s)) {}

    algorithm alg_;
    std::shared_ptr<const state> state_;
};

} // namespace senna::auth

// libFuzzer target for JWT verification (auth/jwt.hpp over auth/signature.hpp, base64url.hpp).
// The first byte picks the mode:
//  - even: the rest is a token, verified under a pinned HS256 secret (the fixtures' one), the
//    fixtures' RS256 public key and their ES256 public key;
//  - odd: the rest is "<header JSON>\0<payload JSON>" (no NUL: the payload under the header
//    {"alg":"HS256","typ":"JWT"}), encoded and signed here with the HS256 secret, so that the
//    claim checks behind the signature (nbf, exp, user_id) are fuzzed too.
// Checks: no crash, no exception, no sanitizer report; errors come from auth's category only;
// a verified token's user_id is a valid chat id with the same numeric-ness (the REST and
// Socket.IO edges turn one into the other); a self-signed token never fails its signature,
// verifies with claims equal to its payload, and only while now < exp + leeway and
// nbf <= now + leeway.
//
// Built and run by scripts/fuzz.sh:
//   scripts/fuzz.sh jwt_fuzz   (FUZZ_SECONDS=60 by default)

#include "auth/base64url.hpp"
#include "auth/jwt.hpp"
#include "chat/id.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <optional>
#include <string>
#include <string_view>

namespace auth = senna::auth;
namespace json = boost::json;

namespace {

// tests/fixtures/jwt: tokens.json's hmac_secret, ec256.pub.pem, rsa.pub.pem.
constexpr std::string_view hmac_secret =
    "3f54995b9c5872ac552b1c34f7ad8b6a4218d53394a191c8f53b9b35b904b119";
constexpr std::string_view ec256_pem = R"(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAErfNKMIXiM3YZ9Js38LBhuCdpBQcT
OFNo/p7pakNYjCUTdr2zJiw5p6nf0FVExJ+6Id2Kkb2y75Wi5wbjn8FVMg==
-----END PUBLIC KEY-----
)";
constexpr std::string_view rsa_pem = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqqX65cx0SCCh/1N6TrK1
giLT+bJC7nIttRnVElUKt1jSTx6kPOyRcEf+8aPd5m+eZjea2nMLJE6nHyyTqzDq
7s6tj/tctueKhJ1VLsV8FemndRrsVnO2R+jwxrx8Exs+yLR6yC7KMTTqkM+fA/o2
zAkKq8azU1Steiv0ptKPy4Jsg7xLfM/QsE//96Aohta11yhCGtiNw632QeM0WJTA
PCg3aHd/TIvVe7Aj4HYMzIWmgPpiSs7PiaZ+uB51uvjUCcEDvT6Cb2Kunm4/po7d
uUmeBjQWSKCHxN9vkz7khVgRwZlZDSvRNX9e8PLvMSMmyHE8tGfGugRjLi4YVXJK
MQIDAQAB
-----END PUBLIC KEY-----
)";

constexpr std::int64_t now = 1'700'000'000; // before the fixtures' valid_until, after expired_at
constexpr std::int64_t leeway = 30;

auth::verifier make(auth::algorithm alg, std::string_view key) {
    auto v = auth::verifier::create(alg, key);
    if (!v)
        std::abort();
    return *v;
}

const auth::verifier& hs256() {
    static const auth::verifier v = make(auth::algorithm::hs256, hmac_secret);
    return v;
}

void check(const auth::verifier& v, std::string_view token) {
    const auto r = v.verify(token, now, leeway);
    if (!r) {
        if (r.error().category() != auth::make_error_code(auth::error::malformed).category())
            std::abort();
        return;
    }
    // The identity a verified token speaks for is a chat id, the same kind of id.
    const auto id = senna::chat::id::parse(r->user_id);
    if (!id || id->numeric != r->numeric || id->text != r->user_id)
        std::abort();
    if (!r->claims.contains("user_id") || token.size() > auth::max_token_size)
        std::abort();
}

std::string hs256_sign(std::string_view input) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (HMAC(EVP_sha256(), hmac_secret.data(), static_cast<int>(hmac_secret.size()),
             reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
             &len) == nullptr)
        std::abort();
    return std::string(reinterpret_cast<const char*>(mac), len);
}

std::optional<long double> number(const json::object& o, std::string_view name) {
    const json::value* v = o.if_contains(name);
    if (v == nullptr)
        return std::nullopt;
    if (v->is_int64())
        return static_cast<long double>(v->get_int64());
    if (v->is_uint64())
        return static_cast<long double>(v->get_uint64());
    if (v->is_double()) // 0e999 is 0 (Boost.JSON reads NaN; see auth/jwt.cpp)
        return std::isnan(v->get_double()) ? 0.0L : static_cast<long double>(v->get_double());
    return std::nullopt;
}

void self_signed(std::string_view rest) {
    std::string_view header = R"({"alg":"HS256","typ":"JWT"})";
    std::string_view payload = rest;
    if (const auto nul = rest.find('\0'); nul != std::string_view::npos) {
        header = rest.substr(0, nul);
        payload = rest.substr(nul + 1);
    }
    std::string token = auth::base64url_encode(header) + '.' + auth::base64url_encode(payload);
    token += '.' + auth::base64url_encode(hs256_sign(token));
    check(hs256(), token);

    const auto r = hs256().verify(token, now, leeway);
    if (!r) {
        if (r.error() == auth::make_error_code(auth::error::bad_signature))
            std::abort(); // signed with the very key
        return;
    }
    boost::system::error_code ec;
    const json::value claims = json::parse(payload, ec);
    // Compared as text: a NaN (what Boost.JSON makes of 0e999) is unequal to itself.
    if (ec || !claims.is_object() || json::serialize(r->claims) != json::serialize(claims))
        std::abort();
    if (const auto exp = number(r->claims, "exp"); exp && !(now < *exp + leeway))
        std::abort();
    if (const auto nbf = number(r->claims, "nbf"); nbf && *nbf > now + leeway)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    if ((data[0] & 1) != 0) {
        self_signed(rest);
        return 0;
    }
    static const auth::verifier rs256 = make(auth::algorithm::rs256, rsa_pem);
    static const auth::verifier es256 = make(auth::algorithm::es256, ec256_pem);
    check(hs256(), rest);
    check(rs256, rest);
    check(es256, rest);
    return 0;
}

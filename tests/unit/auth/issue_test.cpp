// Minting tokens (auth/issue.hpp, signing_key): what `senna token` and POST /demo/token sign
// must verify with the server's own verifier, for every algorithm it pins.
#include "auth/issue.hpp"
#include "auth/jwt.hpp"
#include "key_support.hpp"
#include "test_support.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

namespace auth = senna::auth;
namespace json = boost::json;
using auth::algorithm;

namespace {

json::object claims_of(const std::string& id, std::optional<std::string> name = {},
                       std::int64_t iat = 1000, std::int64_t ttl = 3600) {
    std::string why;
    auto c = auth::make_claims({id, std::move(name), iat, ttl}, why);
    EXPECT_TRUE(c) << why;
    return c ? *c : json::object{};
}

std::string claims_error(const std::string& id, std::optional<std::string> name = {},
                         std::int64_t ttl = 3600) {
    std::string why;
    auto c = auth::make_claims({id, std::move(name), 1000, ttl}, why);
    return c ? "no error" : why;
}

} // namespace

TEST(issue, ttl_takes_a_positive_number_and_one_unit) {
    EXPECT_EQ(auth::parse_ttl("30s"), 30);
    EXPECT_EQ(auth::parse_ttl("15m"), 900);
    EXPECT_EQ(auth::parse_ttl("1h"), 3600);
    EXPECT_EQ(auth::parse_ttl("7d"), 7 * 86400);
    EXPECT_EQ(auth::parse_ttl("365d"), 365 * 86400);
    for (const char* bad : {"", "h", "1", "0h", "-1h", "1.5h", " 1h", "1h ", "1H", "1w", "366d",
                            "99999999999999999999s", "8761h"})
        EXPECT_EQ(auth::parse_ttl(bad), std::nullopt) << bad;
}

TEST(issue, claims_carry_numeric_ids_as_numbers_and_the_times) {
    EXPECT_EQ(json::serialize(claims_of("42", "alice")),
              R"({"user_id":42,"username":"alice","iat":1000,"exp":4600})");
    EXPECT_EQ(json::serialize(claims_of("alice-1", {}, 50, 30)),
              R"({"user_id":"alice-1","iat":50,"exp":80})");
    // Not canonical or beyond 2^53-1: a string id, as the verifier reads it ("0" too).
    EXPECT_EQ(claims_of("0")["user_id"], json::value("0"));
    EXPECT_EQ(json::serialize(claims_of("042")), R"({"user_id":"042","iat":1000,"exp":4600})");
    EXPECT_EQ(claims_of("9007199254740991")["user_id"], json::value(9007199254740991));
    EXPECT_EQ(claims_of("9007199254740992")["user_id"], json::value("9007199254740992"));
}

TEST(issue, claims_refuse_what_the_verifier_would_refuse) {
    const std::string id_error = "must be a positive integer up to 2^53-1 or 1-64 characters";
    EXPECT_NE(claims_error("").find(id_error), std::string::npos);
    EXPECT_NE(claims_error("a.b").find(id_error), std::string::npos);
    EXPECT_NE(claims_error("a b").find(id_error), std::string::npos);
    EXPECT_NE(claims_error(std::string(65, 'a')).find(id_error), std::string::npos);
    EXPECT_NE(claims_error("\xC3\xBC").find(id_error), std::string::npos);
    EXPECT_EQ(claims_error("1", std::string()),
              "username must be 1-64 bytes without control characters");
    EXPECT_EQ(claims_error("1", std::string("a\nb")),
              "username must be 1-64 bytes without control characters");
    EXPECT_EQ(claims_error("1", {}, 0), "ttl must be between 1 second and 365 days");
    EXPECT_EQ(claims_error("a b"), "user id 'a b' must be a positive integer up to 2^53-1 or 1-64 "
                                   "characters of A-Z a-z 0-9 _ -");
}

TEST(issue, an_hs256_token_is_exactly_the_jws_of_its_claims) {
    auto key = auth::signing_key::create(algorithm::hs256, "s3cret");
    ASSERT_TRUE(key);
    const auto claims = claims_of("7", "bob");
    const std::string token = auth::sign_token(*key, claims);
    EXPECT_EQ(token, auth::test::hs_token(algorithm::hs256, "s3cret", json::serialize(claims)));
}

TEST(issue, every_algorithm_signs_what_the_verifier_accepts) {
    struct case_t {
        algorithm alg;
        std::string signing;   // secret or private PEM
        std::string verifying; // secret or public PEM ("" = derive from the signing key)
    };
    std::vector<case_t> cases{
        {algorithm::hs256, "secret-256", "secret-256"},
        {algorithm::hs384, "secret-384", "secret-384"},
        {algorithm::hs512, "secret-512", "secret-512"},
        {algorithm::rs256, auth::test::private_pem("RSA"), ""},
        {algorithm::rs384, auth::test::private_pem("RSA"), ""},
        {algorithm::rs512, auth::test::private_pem("RSA"), ""},
        {algorithm::es256, auth::test::private_pem("P-256"), ""},
        {algorithm::es384, auth::test::private_pem("P-384"), ""},
        {algorithm::eddsa, auth::test::private_pem("ED25519"), ""},
    };
    for (const auto& c : cases) {
        const std::string name(auth::algorithm_name(c.alg));
        auto key = auth::signing_key::create(c.alg, c.signing);
        ASSERT_TRUE(key) << name;
        const std::string verifying = c.verifying.empty() ? key->public_pem() : c.verifying;
        if (!auth::is_hmac(c.alg)) {
            EXPECT_EQ(verifying.rfind("-----BEGIN PUBLIC KEY-----", 0), 0u) << name;
        }
        auto verifier = auth::verifier::create(c.alg, verifying);
        ASSERT_TRUE(verifier) << name;
        const std::string token = auth::sign_token(*key, claims_of("42", "alice", 1000, 60));
        auto id = verifier->verify(token, 1010, 0);
        ASSERT_TRUE(id) << name << ": " << id.error().message();
        EXPECT_EQ(id->user_id, "42");
        EXPECT_TRUE(id->numeric);
        EXPECT_EQ(id->claims.at("username"), "alice");
        EXPECT_EQ(id->expires_at, 1060);
        // Past exp it is refused as expired, so exp really is iat + ttl.
        EXPECT_EQ(verifier->verify(token, 1060, 0).error(), auth::error::expired) << name;
    }
}

TEST(issue, a_token_from_another_key_does_not_verify) {
    auto a = auth::signing_key::create(algorithm::es256, auth::test::private_pem("P-256"));
    auto b = auth::signing_key::create(algorithm::es256, auth::test::private_pem("P-256"));
    ASSERT_TRUE(a && b);
    auto verifier = auth::verifier::create(algorithm::es256, b->public_pem());
    ASSERT_TRUE(verifier);
    auto r = verifier->verify(auth::sign_token(*a, claims_of("1")), 1000, 0);
    EXPECT_EQ(r.error(), auth::error::bad_signature);
}

TEST(issue, signing_keys_refuse_what_cannot_sign_for_the_algorithm) {
    const auto invalid = make_error_code(auth::error::invalid_key);
    EXPECT_EQ(auth::signing_key::create(algorithm::hs256, "").error(), invalid);
    EXPECT_EQ(auth::signing_key::create(algorithm::rs256, "not a pem").error(), invalid);
    EXPECT_EQ(auth::signing_key::create(algorithm::rs256, "").error(), invalid);
    // A public key is not a private one.
    EXPECT_EQ(auth::signing_key::create(algorithm::rs256, auth::test::read_fixture("rsa.pub.pem"))
                  .error(),
              invalid);
    EXPECT_EQ(
        auth::signing_key::create(algorithm::rs256, auth::test::private_pem("RSA", 1024)).error(),
        invalid);
    EXPECT_EQ(auth::signing_key::create(algorithm::es384, auth::test::private_pem("P-256")).error(),
              invalid);
    EXPECT_EQ(auth::signing_key::create(algorithm::eddsa, auth::test::private_pem("P-256")).error(),
              invalid);
    EXPECT_EQ(auth::signing_key::create(algorithm::rs256,
                                        auth::test::private_pem("RSA", 2048, "passphrase"))
                  .error(),
              invalid);
    auto hs = auth::signing_key::create(algorithm::hs256, "x");
    ASSERT_TRUE(hs);
    EXPECT_EQ(hs->public_pem(), "");
}

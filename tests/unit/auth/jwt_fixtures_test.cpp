// Interop: tokens made by the npm jsonwebtoken package (EdDSA: node:crypto) with keys made by
// node, read from tests/fixtures/jwt/ (regenerate with make-fixtures.mjs), plus key checks.

#include "auth/jwt.hpp"
#include "test_support.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>
#include <string>

namespace auth = senna::auth;
namespace json = boost::json;
using auth::algorithm;
using auth::error;
using auth::test::read_fixture;

namespace {

constexpr std::int64_t fixture_now = 1'700'000'000;

const json::object& fixtures() {
    static const json::object doc = json::parse(read_fixture("tokens.json")).as_object();
    return doc;
}

std::string key_for(const json::object& entry) {
    const std::string_view key = entry.at("key").as_string();
    if (key == "hmac_secret")
        return std::string(fixtures().at("hmac_secret").as_string());
    return read_fixture(std::string(key));
}

boost::system::error_code fixture_outcome(const auth::verifier& v, std::string_view token) {
    auto r = v.verify(token, fixture_now, 30);
    return r ? boost::system::error_code{} : r.error();
}

} // namespace

TEST(jwt_fixtures, every_algorithm_is_covered) {
    const auto& tokens = fixtures().at("tokens").as_object();
    EXPECT_EQ(tokens.size(), 9u);
    for (const auto& entry : tokens)
        EXPECT_TRUE(auth::parse_algorithm(entry.key())) << entry.key();
}

TEST(jwt_fixtures, valid_expired_and_other_key_tokens) {
    for (const auto& entry : fixtures().at("tokens").as_object()) {
        SCOPED_TRACE(std::string(entry.key()));
        const auto alg = auth::parse_algorithm(entry.key());
        ASSERT_TRUE(alg);
        const auto& t = entry.value().as_object();
        auto v = auth::verifier::create(*alg, key_for(t));
        ASSERT_TRUE(v) << v.error().message();

        auto id = v->verify(t.at("valid").as_string(), fixture_now, 30);
        ASSERT_TRUE(id) << id.error().message();
        EXPECT_EQ(id->user_id, "42");
        EXPECT_TRUE(id->numeric);
        EXPECT_EQ(id->claims.at("username").as_string(), "alice");
        EXPECT_EQ(id->expires_at, fixtures().at("valid_until").as_int64());

        EXPECT_EQ(fixture_outcome(*v, t.at("other_key").as_string()), error::bad_signature);
        EXPECT_EQ(fixture_outcome(*v, t.at("expired").as_string()), error::expired);
    }
}

TEST(jwt_fixtures, a_token_is_refused_under_any_other_pinned_algorithm) {
    const auto& tokens = fixtures().at("tokens").as_object();
    for (const auto& pinned : tokens) {
        const auto alg = auth::parse_algorithm(pinned.key());
        auto v = auth::verifier::create(*alg, key_for(pinned.value().as_object()));
        ASSERT_TRUE(v);
        for (const auto& other : tokens) {
            if (other.key() != pinned.key()) {
                EXPECT_EQ(fixture_outcome(*v, other.value().at("valid").as_string()),
                          error::algorithm_mismatch)
                    << other.key() << " under " << pinned.key();
            }
        }
    }
}

TEST(jwt_fixtures, pkcs1_rsa_public_key_is_accepted) {
    const auto& t = fixtures().at("tokens").at("RS256").as_object();
    auto v = auth::verifier::create(algorithm::rs256, read_fixture("rsa.pkcs1.pub.pem"));
    ASSERT_TRUE(v) << v.error().message();
    EXPECT_EQ(fixture_outcome(*v, t.at("valid").as_string()), boost::system::error_code{});
}

TEST(jwt_fixtures, create_rejects_keys_that_do_not_fit) {
    const std::string rsa = read_fixture("rsa.pub.pem");
    const std::string ec256 = read_fixture("ec256.pub.pem");
    const std::string ec384 = read_fixture("ec384.pub.pem");
    const std::string ed25519 = read_fixture("ed25519.pub.pem");
    struct case_t {
        algorithm alg;
        std::string key;
        const char* why;
    };
    const std::string garbage =
        "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n";
    for (const auto& c : std::vector<case_t>{
             {algorithm::rs256, "not a pem at all", "garbage"},
             {algorithm::rs256, garbage, "garbage DER in a PEM"},
             {algorithm::rs256, "", "empty"},
             {algorithm::rs256, rsa.substr(0, rsa.size() / 2), "truncated"},
             {algorithm::es256, rsa, "RSA for ES256"},
             {algorithm::es256, ec384, "P-384 for ES256"},
             {algorithm::es384, ec256, "P-256 for ES384"},
             {algorithm::rs256, ec256, "EC for RS256"},
             {algorithm::rs512, ed25519, "Ed25519 for RS512"},
             {algorithm::eddsa, ec256, "EC for EdDSA"},
             {algorithm::eddsa, rsa, "RSA for EdDSA"},
         }) {
        auto v = auth::verifier::create(c.alg, c.key);
        ASSERT_FALSE(v) << c.why;
        EXPECT_EQ(v.error(), error::invalid_key) << c.why;
    }
    for (auto [alg, key] : {std::pair{algorithm::rs256, rsa}, std::pair{algorithm::rs384, rsa},
                            std::pair{algorithm::es256, ec256}, std::pair{algorithm::es384, ec384},
                            std::pair{algorithm::eddsa, ed25519}})
        EXPECT_TRUE(auth::verifier::create(alg, key)) << auth::algorithm_name(alg);
}

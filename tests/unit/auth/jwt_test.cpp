// verifier behaviour on HS* tokens built here, and the RFC 7515 / RFC 8037 example tokens.

#include "auth/jwt.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <string>
#include <thread>
#include <vector>

namespace auth = senna::auth;
using auth::algorithm;
using auth::error;
using auth::test::compact;
using auth::test::hs_token;

namespace {

constexpr std::string_view secret = "scene-passage-love-rhyme";
constexpr std::int64_t now = 1'700'000'000;
constexpr std::int64_t leeway = 30;

auth::verifier make_verifier(algorithm alg, std::string_view key = secret) {
    auto v = auth::verifier::create(alg, key);
    EXPECT_TRUE(v) << (v ? "" : v.error().message());
    return std::move(*v);
}

// The error a token fails with, or a default error_code when it verifies.
boost::system::error_code outcome(const auth::verifier& v, std::string_view token,
                                  std::int64_t at = now, std::int64_t leeway_s = leeway) {
    auto r = v.verify(token, at, leeway_s);
    return r ? boost::system::error_code{} : r.error();
}

std::string payload_with(const std::string& claims) {
    return R"({"username":"alice",)" + claims + "}";
}

// Replaces the signature part's first character by another one that still decodes canonically.
std::string flip_signature(std::string token) {
    const auto dot = token.rfind('.');
    token[dot + 1] = token[dot + 1] == 'A' ? 'B' : 'A';
    return token;
}

// Drops the signature's last `n` bytes, keeping the encoding canonical.
std::string truncate_signature(const std::string& token, std::size_t n) {
    const auto dot = token.rfind('.');
    auto sig = auth::base64url_decode(token.substr(dot + 1));
    EXPECT_TRUE(sig);
    return token.substr(0, dot + 1) + auth::base64url_encode(sig->substr(0, sig->size() - n));
}

} // namespace

TEST(algorithm, names_round_trip_exactly) {
    for (auto a :
         {algorithm::hs256, algorithm::hs384, algorithm::hs512, algorithm::rs256, algorithm::rs384,
          algorithm::rs512, algorithm::es256, algorithm::es384, algorithm::eddsa})
        EXPECT_EQ(auth::parse_algorithm(auth::algorithm_name(a)), a);
    EXPECT_EQ(auth::algorithm_name(algorithm::eddsa), "EdDSA");
    EXPECT_FALSE(auth::parse_algorithm("none"));
    EXPECT_FALSE(auth::parse_algorithm("hs256"));
    EXPECT_FALSE(auth::parse_algorithm("ES512"));
    EXPECT_FALSE(auth::parse_algorithm("PS256"));
    EXPECT_TRUE(auth::is_hmac(algorithm::hs384));
    EXPECT_FALSE(auth::is_hmac(algorithm::rs256));
}

TEST(auth_error, category_messages_and_jsonwebtoken_names) {
    boost::system::error_code ec = error::expired;
    EXPECT_STREQ(ec.category().name(), "senna.auth");
    EXPECT_EQ(ec.message(), "token expired");
    EXPECT_EQ(ec, make_error_code(error::expired));
    EXPECT_NE(ec, make_error_code(error::not_before));
    EXPECT_EQ(auth::error_name(error::expired), "TokenExpiredError");
    EXPECT_EQ(auth::error_name(error::not_before), "NotBeforeError");
    EXPECT_EQ(auth::error_name(error::invalid_user_id), "UnauthenticatedError");
    for (auto e :
         {error::malformed, error::algorithm_mismatch, error::bad_signature, error::invalid_key})
        EXPECT_EQ(auth::error_name(e), "JsonWebTokenError");
}

TEST(jwt, valid_hs_tokens_give_the_identity_and_claims) {
    for (auto alg : {algorithm::hs256, algorithm::hs384, algorithm::hs512}) {
        const auto v = make_verifier(alg);
        EXPECT_EQ(v.alg(), alg);
        const auto token = hs_token(alg, secret, payload_with(R"("user_id":42,"exp":1700000100)"));
        auto id = v.verify(token, now, leeway);
        ASSERT_TRUE(id) << auth::algorithm_name(alg) << ": " << id.error().message();
        EXPECT_EQ(id->user_id, "42");
        EXPECT_TRUE(id->numeric);
        EXPECT_EQ(id->claims.at("username").as_string(), "alice");
        EXPECT_EQ(id->expires_at, 1700000100);
    }
}

TEST(jwt, no_exp_means_no_expiry) {
    const auto v = make_verifier(algorithm::hs256);
    auto id = v.verify(hs_token(algorithm::hs256, secret, R"({"user_id":7})"), now, 0);
    ASSERT_TRUE(id);
    EXPECT_FALSE(id->expires_at);
}

// A moderator's revocation compares iat (issue 17): kept when it is a number, never checked.
TEST(jwt, iat_is_kept_when_it_is_a_number) {
    const auto v = make_verifier(algorithm::hs256);
    auto id =
        v.verify(hs_token(algorithm::hs256, secret, R"({"user_id":7,"iat":1699999000.7})"), now, 0);
    ASSERT_TRUE(id);
    EXPECT_EQ(id->issued_at, 1699999000);
    auto future =
        v.verify(hs_token(algorithm::hs256, secret, R"({"user_id":7,"iat":1800000000})"), now, 0);
    ASSERT_TRUE(future); // jsonwebtoken does not refuse an iat in the future either
    EXPECT_EQ(future->issued_at, 1800000000);
    auto text =
        v.verify(hs_token(algorithm::hs256, secret, R"({"user_id":7,"iat":"yesterday"})"), now, 0);
    ASSERT_TRUE(text);
    EXPECT_FALSE(text->issued_at);
    auto none = v.verify(hs_token(algorithm::hs256, secret, R"({"user_id":7})"), now, 0);
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->issued_at);
}

TEST(jwt, tampering_and_wrong_secrets_are_bad_signatures) {
    const auto v = make_verifier(algorithm::hs256);
    const auto token = hs_token(algorithm::hs256, secret, R"({"user_id":42})");
    ASSERT_EQ(outcome(v, token), boost::system::error_code{});

    // Payload swapped for another valid one, signature kept.
    const auto first = token.find('.');
    const auto second = token.rfind('.');
    const auto forged = token.substr(0, first + 1) + auth::base64url_encode(R"({"user_id":1})") +
                        token.substr(second);
    EXPECT_EQ(outcome(v, forged), error::bad_signature);
    EXPECT_EQ(outcome(v, flip_signature(token)), error::bad_signature);
    EXPECT_EQ(outcome(v, token.substr(0, second + 1)), error::bad_signature);  // empty signature
    EXPECT_EQ(outcome(v, truncate_signature(token, 1)), error::bad_signature); // short MAC
    EXPECT_EQ(outcome(v, hs_token(algorithm::hs256, "another-secret", R"({"user_id":42})")),
              error::bad_signature);
}

TEST(jwt, expiry_follows_jsonwebtoken_with_leeway) {
    const auto v = make_verifier(algorithm::hs256);
    auto with_exp = [&](std::string exp) {
        return outcome(v,
                       hs_token(algorithm::hs256, secret, R"({"user_id":42,"exp":)" + exp + "}"));
    };
    EXPECT_EQ(with_exp("1699999900"), error::expired);
    EXPECT_EQ(with_exp("1699999990"), boost::system::error_code{}); // 10 s late, within leeway
    EXPECT_EQ(with_exp("1699999971"), boost::system::error_code{}); // now < exp + leeway
    EXPECT_EQ(with_exp("1699999970"), error::expired);              // now >= exp + leeway
    EXPECT_EQ(with_exp("1699999970.5"), boost::system::error_code{});
    EXPECT_EQ(with_exp("1.7e9"), boost::system::error_code{}); // a double is a number too
    EXPECT_EQ(with_exp("18446744073709551615"), boost::system::error_code{});
    EXPECT_EQ(outcome(v, hs_token(algorithm::hs256, secret, R"({"user_id":42,"exp":1700000000})"),
                      now, 0),
              error::expired);
    // A negative leeway is no leeway.
    EXPECT_EQ(outcome(v, hs_token(algorithm::hs256, secret, R"({"user_id":42,"exp":1700000001})"),
                      now, -100),
              boost::system::error_code{});
}

TEST(jwt, not_before_follows_jsonwebtoken_with_leeway) {
    const auto v = make_verifier(algorithm::hs256);
    auto with_nbf = [&](std::string nbf) {
        return outcome(v,
                       hs_token(algorithm::hs256, secret, R"({"user_id":42,"nbf":)" + nbf + "}"));
    };
    EXPECT_EQ(with_nbf("1700000100"), error::not_before);
    EXPECT_EQ(with_nbf("1700000020"), boost::system::error_code{}); // within leeway
    EXPECT_EQ(with_nbf("1700000030"), boost::system::error_code{}); // nbf == now + leeway
    EXPECT_EQ(with_nbf("1700000030.5"), error::not_before);
    EXPECT_EQ(with_nbf("1699999999"), boost::system::error_code{});
}

// Found by tests/fuzz/jwt_fuzz (corpus file regression-exp-zero-huge-exponent): Boost.JSON
// 1.81 reads a zero with a huge exponent ("0e50000000", "0.0e400") as NaN, which compared as
// never expired. JSON means 0 there, as JSON.parse does for jsonwebtoken: long expired.
TEST(jwt, zero_with_a_huge_exponent_is_zero_not_nan) {
    const auto v = make_verifier(algorithm::hs256);
    for (const char* zero : {"0e50000000", "0.0e400", "-0e999"}) {
        const std::string z = zero;
        EXPECT_EQ(
            outcome(v, hs_token(algorithm::hs256, secret, R"({"user_id":42,"exp":)" + z + "}")),
            error::expired)
            << zero;
        // As nbf it is in the past, so the token is good from then on.
        auto r = v.verify(hs_token(algorithm::hs256, secret, R"({"user_id":42,"nbf":)" + z + "}"),
                          now, leeway);
        EXPECT_TRUE(r) << zero;
        // And an exp of 0 at time 0 (within the leeway) ends at 0, not at the end of time.
        r = v.verify(hs_token(algorithm::hs256, secret, R"({"user_id":42,"exp":)" + z + "}"), 0,
                     leeway);
        ASSERT_TRUE(r) << zero;
        EXPECT_EQ(r->expires_at, 0) << zero;
    }
}

TEST(jwt, checks_run_in_order_signature_then_nbf_then_exp_then_user_id) {
    const auto v = make_verifier(algorithm::hs256);
    const std::string both = R"({"user_id":0,"nbf":1800000000,"exp":1600000000})";
    EXPECT_EQ(outcome(v, hs_token(algorithm::hs256, secret, both)), error::not_before);
    EXPECT_EQ(outcome(v, hs_token(algorithm::hs256, "wrong", both)), error::bad_signature);
    EXPECT_EQ(outcome(v, hs_token(algorithm::hs256, secret, R"({"user_id":0,"exp":1600000000})")),
              error::expired);
    EXPECT_EQ(outcome(v, hs_token(algorithm::hs512, secret, both)), error::algorithm_mismatch);
}

TEST(jwt, pinned_algorithm_is_enforced) {
    const auto v = make_verifier(algorithm::hs256);
    const std::string payload = R"({"user_id":42})";
    EXPECT_EQ(outcome(v, hs_token(algorithm::hs512, secret, payload)), error::algorithm_mismatch);
    // Right MAC, but the header names another algorithm (or a differently cased one).
    EXPECT_EQ(outcome(v, hs_token(algorithm::hs256, secret, payload, "HS512")),
              error::algorithm_mismatch);
    EXPECT_EQ(outcome(v, hs_token(algorithm::hs256, secret, payload, "hs256")),
              error::algorithm_mismatch);
    EXPECT_EQ(outcome(v, compact(R"({"typ":"JWT"})", payload, "x")), error::algorithm_mismatch);
    EXPECT_EQ(outcome(v, compact(R"({"alg":256})", payload, "x")), error::algorithm_mismatch);
    EXPECT_EQ(outcome(v, compact(R"({"alg":["HS256"]})", payload, "x")), error::algorithm_mismatch);
}

TEST(jwt, alg_none_is_always_rejected) {
    for (auto alg : {algorithm::hs256, algorithm::hs512}) {
        const auto v = make_verifier(alg);
        EXPECT_EQ(outcome(v, compact(R"({"alg":"none","typ":"JWT"})", R"({"user_id":42})", "")),
                  error::algorithm_mismatch);
        EXPECT_EQ(outcome(v, compact(R"({"alg":"None"})", R"({"user_id":42})", "")),
                  error::algorithm_mismatch);
    }
}

TEST(jwt, rs256_pinned_refuses_hs256_signed_with_the_public_key) {
    const std::string pem = auth::test::read_fixture("rsa.pub.pem");
    const auto v = make_verifier(algorithm::rs256, pem);
    const std::string payload = R"({"user_id":42})";
    // The classic confusion attack: HMAC keyed with the public PEM text.
    EXPECT_EQ(outcome(v, hs_token(algorithm::hs256, pem, payload)), error::algorithm_mismatch);
    // The same MAC under an "RS256" header is just a wrong signature.
    EXPECT_EQ(outcome(v, hs_token(algorithm::hs256, pem, payload, "RS256")), error::bad_signature);
}

TEST(jwt, malformed_structures) {
    const auto v = make_verifier(algorithm::hs256);
    const auto good = hs_token(algorithm::hs256, secret, R"({"user_id":42})");
    const auto dot = good.find('.');
    const auto last = good.rfind('.');
    EXPECT_EQ(outcome(v, ""), error::malformed);
    EXPECT_EQ(outcome(v, good.substr(0, last)), error::malformed); // two parts
    EXPECT_EQ(outcome(v, good + ".abc"), error::malformed);        // four parts
    EXPECT_EQ(outcome(v, good + "="), error::malformed);           // padding
    EXPECT_EQ(outcome(v, "+" + good.substr(1)), error::malformed); // base64, not base64url
    EXPECT_EQ(outcome(v, good.substr(0, dot) + ".e*J9" + good.substr(last)), error::malformed);
    EXPECT_EQ(outcome(v, " " + good), error::malformed);
    EXPECT_EQ(outcome(v, "Bearer " + good), error::malformed);
    EXPECT_EQ(outcome(v, compact("not json", R"({"user_id":42})", "x")), error::malformed);
    EXPECT_EQ(outcome(v, compact(R"(["HS256"])", R"({"user_id":42})", "x")), error::malformed);
    EXPECT_EQ(outcome(v, compact(R"({"alg":"HS256")", R"({"user_id":42})", "x")), error::malformed);
    EXPECT_EQ(outcome(v, "." + good.substr(dot)), error::malformed); // empty header
    EXPECT_EQ(outcome(v, compact(R"({"alg":"HS256","crit":["exp"]})", R"({"user_id":42})", "x")),
              error::malformed);
    // Payloads that are signed correctly but are not JSON objects.
    EXPECT_EQ(outcome(v, hs_token(algorithm::hs256, secret, R"([{"user_id":42}])")),
              error::malformed);
    EXPECT_EQ(outcome(v, hs_token(algorithm::hs256, secret, "42")), error::malformed);
    EXPECT_EQ(outcome(v, hs_token(algorithm::hs256, secret, "")), error::malformed);
    EXPECT_EQ(outcome(v, hs_token(algorithm::hs256, secret, R"({"user_id":42)")), error::malformed);
    EXPECT_EQ(outcome(v, hs_token(algorithm::hs256, secret, "{\"user_id\":\"\xff\"}")),
              error::malformed); // not UTF-8
    // Registered time claims of the wrong type.
    for (const char* claims : {R"({"user_id":42,"exp":"1800000000"})",
                               R"({"user_id":42,"exp":null})", R"({"user_id":42,"exp":true})",
                               R"({"user_id":42,"nbf":"0"})", R"({"user_id":42,"nbf":[1]})"})
        EXPECT_EQ(outcome(v, hs_token(algorithm::hs256, secret, claims)), error::malformed)
            << claims;
}

TEST(jwt, oversized_tokens_are_malformed_before_decoding) {
    const auto v = make_verifier(algorithm::hs256);
    const std::string padding(auth::max_token_size, 'a');
    const auto big =
        hs_token(algorithm::hs256, secret, R"({"user_id":42,"pad":")" + padding + "\"}");
    EXPECT_GT(big.size(), auth::max_token_size);
    EXPECT_EQ(outcome(v, big), error::malformed);
    const auto fits = hs_token(algorithm::hs256, secret,
                               R"({"user_id":42,"pad":")" + std::string(5000, 'a') + "\"}");
    EXPECT_LE(fits.size(), auth::max_token_size);
    EXPECT_EQ(outcome(v, fits), boost::system::error_code{});
}

TEST(jwt, unusable_user_ids) {
    const auto v = make_verifier(algorithm::hs256);
    for (const std::string& id : std::vector<std::string>{
             "", R"("user_id":0,)", R"("user_id":-1,)", R"("user_id":1.5,)", R"("user_id":"",)",
             R"("user_id":")" + std::string(65, 'a') + R"(",)", R"("user_id":"a b",)",
             R"("user_id":true,)", R"("user_id":null,)", R"("user_id":[42],)",
             R"("user_id":{"id":42},)", R"("user_id":9007199254740992,)",
             R"("user_id":18446744073709551615,)", R"("user_id":1e300,)", R"("user_id":"a.b",)",
             R"("user_id":"é",)", R"("userId":42,)"}) {
        const auto token = hs_token(algorithm::hs256, secret, "{" + id + R"("username":"alice"})");
        EXPECT_EQ(outcome(v, token), error::invalid_user_id) << id;
    }
}

TEST(jwt, usable_user_ids_and_their_canonical_text) {
    const auto v = make_verifier(algorithm::hs256);
    struct case_t {
        std::string json;
        std::string text;
        bool numeric;
    };
    for (const auto& c : std::vector<case_t>{
             {"42", "42", true},
             {R"("42")", "42", true},
             {"42.0", "42", true},
             {"4.2e1", "42", true},
             {"9007199254740991", "9007199254740991", true},
             {R"("9007199254740991")", "9007199254740991", true},
             {R"("9007199254740992")", "9007199254740992", false},
             {R"("042")", "042", false},
             {R"("0")", "0", false},
             {R"("-1")", "-1", false},
             {R"("user_A-1")", "user_A-1", false},
             {'"' + std::string(64, 'z') + '"', std::string(64, 'z'), false},
         }) {
        auto id = v.verify(hs_token(algorithm::hs256, secret, R"({"user_id":)" + c.json + "}"), now,
                           leeway);
        ASSERT_TRUE(id) << c.json << ": " << id.error().message();
        EXPECT_EQ(id->user_id, c.text) << c.json;
        EXPECT_EQ(id->numeric, c.numeric) << c.json;
    }
}

// RFC 7515 Appendix A.1: HS256, key from the JWK "k". Its payload has no user_id, so a
// signature that checks out ends in invalid_user_id.
TEST(jwt, rfc7515_a1_hs256_example) {
    const auto key = auth::base64url_decode(
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
    ASSERT_TRUE(key);
    const auto v = make_verifier(algorithm::hs256, *key);
    const std::string token =
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
        ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0"
        "cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    EXPECT_EQ(outcome(v, token, 1300819000, 0), error::invalid_user_id);
    EXPECT_EQ(outcome(v, token, 1300819380, 0), error::expired);
    EXPECT_EQ(outcome(v, flip_signature(token), 1300819000, 0), error::bad_signature);
}

// RFC 7515 Appendix A.3: ES256 with raw r||s. The PEM is the JWK of A.3.1 exported by node.
TEST(jwt, rfc7515_a3_es256_example) {
    const auto v = make_verifier(
        algorithm::es256, "-----BEGIN PUBLIC KEY-----\n"
                          "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV7\n"
                          "6e8Tus9uPHvRVEXH8UTNG72bfocs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==\n"
                          "-----END PUBLIC KEY-----\n");
    const std::string token =
        "eyJhbGciOiJFUzI1NiJ9"
        ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0"
        "cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-"
        "Kg6NU1Q";
    EXPECT_EQ(outcome(v, token, 1300819000, 0), error::invalid_user_id);
    EXPECT_EQ(outcome(v, flip_signature(token), 1300819000, 0), error::bad_signature);
    // A truncated signature (wrong r||s length) is a bad signature, not a crash.
    EXPECT_EQ(outcome(v, truncate_signature(token, 1), 1300819000, 0), error::bad_signature);
}

// RFC 8037 Appendix A.4: its payload is plain text, not JSON, so the verifier stops at
// "malformed"; signature_test.cpp checks the signature itself.
TEST(jwt, rfc8037_a4_ed25519_example_is_not_a_jwt) {
    const auto v = make_verifier(algorithm::eddsa,
                                 "-----BEGIN PUBLIC KEY-----\n"
                                 "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
                                 "-----END PUBLIC KEY-----\n");
    EXPECT_EQ(outcome(v, "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
                         ".hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7"
                         "sVvpAr_MuM0KAg"),
              error::malformed);
}

TEST(jwt, create_rejects_an_empty_secret) {
    auto v = auth::verifier::create(algorithm::hs256, "");
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error(), error::invalid_key);
}

TEST(jwt, verify_is_safe_from_many_threads_at_once) {
    const auto hs = make_verifier(algorithm::hs512);
    const auto es = make_verifier(algorithm::es256, auth::test::read_fixture("ec256.pub.pem"));
    const auto good = hs_token(algorithm::hs512, secret, R"({"user_id":"bob"})");
    const auto bad = flip_signature(good);
    std::vector<std::thread> threads;
    std::vector<int> failures(4, 0);
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i) {
                auto ok = hs.verify(good, now, leeway);
                auto ko = hs.verify(bad, now, leeway);
                auto es_ko = es.verify(good, now, leeway);
                if (!ok || ok->user_id != "bob" || ko || es_ko)
                    ++failures[t];
            }
        });
    for (auto& th : threads)
        th.join();
    for (int f : failures)
        EXPECT_EQ(f, 0);
}

// `senna token`: arguments, refusals and the token itself, checked with the server's verifier.
#include "app/token_command.hpp"
#include "auth/jwt.hpp"
#include "key_support.hpp"

#include <boost/json/serialize.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <unistd.h>

namespace app = senna::app;
namespace auth = senna::auth;

namespace {

constexpr std::int64_t now = 1700000000;

app::token_outcome run(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    return app::token_command(
        args,
        [&](std::string_view name) -> std::optional<std::string> {
            auto it = env.find(std::string(name));
            return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
        },
        now);
}

// The token printed (without its newline), verified as the server verifies it.
auth::identity verified(const app::token_outcome& r, auth::algorithm alg, const std::string& key) {
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out.back(), '\n');
    auto v = auth::verifier::create(alg, key);
    EXPECT_TRUE(v);
    auto id = v->verify(r.out.substr(0, r.out.size() - 1), now, 0);
    EXPECT_TRUE(id) << (id ? "" : id.error().message());
    return id ? *id : auth::identity{};
}

struct temp_file {
    std::filesystem::path path;
    explicit temp_file(const std::string& content) {
        path = std::filesystem::temp_directory_path() /
               ("senna-token-test-" + std::to_string(::getpid()) + "-" +
                std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".pem");
        std::ofstream(path) << content;
    }
    ~temp_file() { std::filesystem::remove(path); }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
};

} // namespace

TEST(token_command, mints_an_hs256_token_with_the_configured_secret) {
    auto r = run({"--user", "1", "--username", "alice"});
    auto id = verified(r, auth::algorithm::hs256, "scene-passage-love-rhyme");
    EXPECT_EQ(boost::json::serialize(id.claims),
              R"({"user_id":1,"username":"alice","iat":1700000000,"exp":1700003600})");

    auto s = run({"--user=bob", "--ttl=15m", "--jwt-secret", "flag-secret"},
                 {{"SOCK_JWT_SECRET", "env-secret"}});
    auto sid = verified(s, auth::algorithm::hs256, "flag-secret");
    EXPECT_EQ(boost::json::serialize(sid.claims),
              R"({"user_id":"bob","iat":1700000000,"exp":1700000900})");

    auto h = run({"--user", "7", "--ttl", "7d"},
                 {{"SOCK_JWT_ALGORITHM", "HS512"}, {"SOCK_JWT_SECRET", "five-twelve"}});
    EXPECT_EQ(verified(h, auth::algorithm::hs512, "five-twelve").expires_at, now + 7 * 86400);
}

TEST(token_command, bad_arguments_are_one_line_and_exit_2) {
    const std::map<std::vector<std::string>, std::string> cases{
        {{}, "senna token: --user ID is required (see senna token --help)\n"},
        {{"--username", "x"}, "senna token: --user ID is required (see senna token --help)\n"},
        {{"--user"}, "senna token: --user: missing value\n"},
        {{"--user", "1", "--ttl", "1w"},
         "senna token: --ttl '1w' is not a duration like 30s, 15m, 1h or 7d (at most 365d)\n"},
        {{"--user", "1", "extra"},
         "senna token: unexpected argument 'extra' (see senna token --help)\n"},
        {{"--user", "1", "--no-such", "x"},
         "senna token: --no-such: unknown option (see --help)\n"},
        {{"--user", "a b"},
         "senna token: user id 'a b' must be a positive integer up to "
         "2^53-1 or 1-64 characters of A-Z a-z 0-9 _ -\n"},
        {{"--user", "1", "--key", "k.pem"},
         "senna token: --key is for RS*/ES*/EdDSA; HS256 signs with SOCK_JWT_SECRET\n"},
        {{"--user", "1", "--http-port", "x"}, "senna token: SOCK_HTTP_PORT: 'x' is not a number\n"},
    };
    for (const auto& [args, err] : cases) {
        auto r = run(args);
        EXPECT_EQ(r.status, 2);
        EXPECT_EQ(r.out, "");
        EXPECT_EQ(r.err, err);
    }
}

TEST(token_command, production_needs_force) {
    const std::map<std::string, std::string> prod{{"SOCK_ENV", "production"},
                                                  {"SOCK_JWT_SECRET", "a-real-secret"}};
    auto r = run({"--user", "1"}, prod);
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err,
              "senna token: refusing to mint a token with SOCK_ENV=production (add --force)\n");
    EXPECT_EQ(r.out, "");
    verified(run({"--user", "1", "--force"}, prod), auth::algorithm::hs256, "a-real-secret");
}

TEST(token_command, help_prints_the_usage) {
    auto r = run({"--help"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, app::token_usage());
    EXPECT_NE(r.out.find("--key FILE"), std::string::npos);
}

TEST(token_command, asymmetric_algorithms_sign_with_the_key_given) {
    const std::map<std::string, std::string> rs{{"SOCK_JWT_ALGORITHM", "RS256"}};
    auto missing = run({"--user", "1"}, rs);
    EXPECT_EQ(missing.status, 2);
    EXPECT_EQ(missing.err, "senna token: --key FILE (a PEM private key) is required for RS256\n");

    auto unreadable = run({"--user", "1", "--key", "/nonexistent/key.pem"}, rs);
    EXPECT_EQ(unreadable.status, 2);
    EXPECT_EQ(unreadable.err, "senna token: --key: '/nonexistent/key.pem' cannot be read\n");

    const temp_file not_a_key("hello");
    auto garbage = run({"--user", "1", "--key", not_a_key.path.string()}, rs);
    EXPECT_EQ(garbage.status, 2);
    EXPECT_EQ(garbage.err, "senna token: --key: '" + not_a_key.path.string() +
                               "' is not an unencrypted PEM private key for RS256\n");

    const std::string rsa_pem = auth::test::private_pem("RSA");
    const temp_file rsa(rsa_pem);
    auto rsa_key = auth::signing_key::create(auth::algorithm::rs256, rsa_pem);
    ASSERT_TRUE(rsa_key);
    auto ok = run({"--user", "5", "--key", rsa.path.string()}, rs);
    EXPECT_EQ(verified(ok, auth::algorithm::rs256, rsa_key->public_pem()).user_id, "5");

    // With the server's public key configured, the pair is checked.
    auto mine = auth::signing_key::create(auth::algorithm::es256, auth::test::private_pem("P-256"));
    const std::string ec_pem = auth::test::private_pem("P-256");
    const temp_file ec(ec_pem);
    auto ec_key = auth::signing_key::create(auth::algorithm::es256, ec_pem);
    ASSERT_TRUE(mine && ec_key);
    const temp_file right_pub(ec_key->public_pem());
    const temp_file wrong_pub(mine->public_pem());
    auto good =
        run({"--user", "u1", "--key", ec.path.string()},
            {{"SOCK_JWT_ALGORITHM", "ES256"}, {"SOCK_JWT_PUBLIC_KEY", right_pub.path.string()}});
    EXPECT_EQ(verified(good, auth::algorithm::es256, ec_key->public_pem()).user_id, "u1");
    auto bad =
        run({"--user", "u1", "--key", ec.path.string()},
            {{"SOCK_JWT_ALGORITHM", "ES256"}, {"SOCK_JWT_PUBLIC_KEY", wrong_pub.path.string()}});
    EXPECT_EQ(bad.status, 2);
    EXPECT_EQ(bad.err, "senna token: the token does not verify with SOCK_JWT_PUBLIC_KEY (invalid "
                       "token signature): is --key its private key?\n");
}

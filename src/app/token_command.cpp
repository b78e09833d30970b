#include "app/token_command.hpp"

#include "app/command_args.hpp"
#include "auth/issue.hpp"
#include "auth/jwt.hpp"

#include <fstream>
#include <optional>
#include <sstream>

namespace senna::app {

namespace {

struct token_args {
    std::optional<std::string> user;
    std::optional<std::string> username;
    std::string ttl = "1h";
    bool force = false;
    std::optional<std::string> key_file;
    bool help = false;
    std::vector<std::string> server_flags; // passed on to config::load
};

struct bad_arguments {
    std::string message;
};

// Splits our own options from the server's flags (which config::load checks).
token_args parse(const std::vector<std::string>& args) {
    token_args t;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const option_arg opt(args[i]);
        const std::string& name = opt.name;
        const auto& inline_value = opt.inline_value;
        auto value = [&]() -> std::string {
            auto v = opt.value(args, i);
            if (!v)
                throw bad_arguments{name + ": missing value"};
            return *v;
        };
        if (name == "--user")
            t.user = value();
        else if (name == "--username")
            t.username = value();
        else if (name == "--ttl")
            t.ttl = value();
        else if (name == "--key")
            t.key_file = value();
        else if (name == "--force" && !inline_value)
            t.force = true;
        else if ((name == "--help" || name == "-h") && !inline_value)
            t.help = true;
        else if (name.rfind("--", 0) == 0) {
            t.server_flags.push_back(args[i]); // a server flag: --x VALUE or --x=VALUE
            if (!inline_value && i + 1 < args.size())
                t.server_flags.push_back(args[++i]);
        } else
            throw bad_arguments{"unexpected argument '" + args[i] + "' (see senna token --help)"};
    }
    return t;
}

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f)
        return std::nullopt;
    std::stringstream ss;
    ss << f.rdbuf();
    if (!f && !f.eof())
        return std::nullopt;
    return ss.str();
}

token_outcome failure(int status, const std::string& message) {
    return {status, {}, "senna token: " + message + "\n"};
}

} // namespace

std::string token_usage() {
    return "Usage: senna token --user ID [--username NAME] [--ttl 1h] [--key FILE] [--force]\n"
           "                   [server flags...]\n\n"
           "Prints a JWT that this configuration of senna accepts: claims user_id (a number\n"
           "when ID is one), username, iat and exp = now + ttl (30s, 15m, 1h, 7d; at most\n"
           "365d). Reads the same settings as the server (SOCK_JWT_ALGORITHM, SOCK_JWT_SECRET,\n"
           "... or their flags; see senna --help).\n\n"
           "  --user ID         the user_id claim (required)\n"
           "  --username NAME   the username claim\n"
           "  --ttl DURATION    lifetime, default 1h\n"
           "  --key FILE        PEM private key, required for RS*/ES*/EdDSA\n"
           "  --force           mint even with SOCK_ENV=production\n";
}

token_outcome token_command(const std::vector<std::string>& args, const config::env_lookup& env,
                            std::int64_t now_unix) {
    token_args t;
    try {
        t = parse(args);
    } catch (const bad_arguments& e) {
        return failure(2, e.message);
    }
    if (t.help)
        return {0, token_usage(), {}};
    if (!t.user)
        return failure(2, "--user ID is required (see senna token --help)");
    const auto ttl = auth::parse_ttl(t.ttl);
    if (!ttl)
        return failure(2, "--ttl '" + t.ttl + "' is not a duration like 30s, 15m, 1h or 7d " +
                              "(at most 365d)");

    config::config cfg;
    try {
        auto loaded = config::load(t.server_flags, env, /*require_public_key=*/false);
        if (loaded.show_help || loaded.show_version)
            return {0, token_usage(), {}};
        cfg = std::move(loaded.cfg);
    } catch (const config::invalid_setting& e) {
        return failure(2, e.what());
    }
    if (cfg.production() && !t.force)
        return failure(2, "refusing to mint a token with SOCK_ENV=production (add --force)");

    const auto alg = auth::parse_algorithm(cfg.jwt_algorithm);
    if (!alg)
        return failure(2, "SOCK_JWT_ALGORITHM: unknown algorithm '" + cfg.jwt_algorithm + "'");
    std::string signing_secret = cfg.jwt_secret;
    if (auth::is_hmac(*alg)) {
        if (t.key_file)
            return failure(2, "--key is for RS*/ES*/EdDSA; " + cfg.jwt_algorithm +
                                  " signs with SOCK_JWT_SECRET");
    } else {
        if (!t.key_file)
            return failure(2,
                           "--key FILE (a PEM private key) is required for " + cfg.jwt_algorithm);
        auto pem = read_file(*t.key_file);
        if (!pem)
            return failure(2, "--key: '" + *t.key_file + "' cannot be read");
        signing_secret = std::move(*pem);
    }
    auto key = auth::signing_key::create(*alg, signing_secret);
    if (!key)
        return failure(2, "--key: '" + t.key_file.value_or("") +
                              "' is not an unencrypted PEM private key for " + cfg.jwt_algorithm);

    std::string why;
    auto claims = auth::make_claims({*t.user, t.username, now_unix, *ttl}, why);
    if (!claims)
        return failure(2, why);
    std::string token = auth::sign_token(*key, *claims);
    if (token.empty())
        return failure(1, "signing failed");

    // Checked with the server's own verifier: a --key that is not the pair of the configured
    // SOCK_JWT_PUBLIC_KEY is refused here rather than by the server later.
    std::string verifying_key = cfg.jwt_secret;
    if (!auth::is_hmac(*alg)) {
        verifying_key = key->public_pem();
        if (!cfg.jwt_public_key_file.empty()) {
            auto pem = read_file(cfg.jwt_public_key_file);
            if (!pem)
                return failure(2, "SOCK_JWT_PUBLIC_KEY: '" + cfg.jwt_public_key_file +
                                      "' cannot be read");
            verifying_key = std::move(*pem);
        }
    }
    auto verifier = auth::verifier::create(*alg, verifying_key);
    if (!verifier)
        return failure(2, "SOCK_JWT_PUBLIC_KEY: not a usable public key for " + cfg.jwt_algorithm);
    auto checked = verifier->verify(token, now_unix, cfg.jwt_leeway_seconds);
    if (!checked)
        return failure(2, "the token does not verify with SOCK_JWT_PUBLIC_KEY (" +
                              checked.error().message() + "): is --key its private key?");
    return {0, token + "\n", {}};
}

} // namespace senna::app

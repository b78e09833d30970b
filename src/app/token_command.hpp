#pragma once
// `senna token`: mints a token the running server accepts, for trying senna without a platform
// (README, "Trying it"). Same configuration as the server (environment + flags), so the
// algorithm and secret are the server's; asymmetric algorithms sign with --key FILE.

#include "config/load.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace senna::app {

struct token_outcome {
    int status = 0;  // 0 ok; 2 bad arguments, a bad setting or key, production without --force
    std::string out; // the token and a newline (or the usage text)
    std::string err; // one line "senna token: ..." when status != 0
};

/** `args`: what follows "token" on the command line. `now_unix`: the iat of the token. */
token_outcome token_command(const std::vector<std::string>& args, const config::env_lookup& env,
                            std::int64_t now_unix);

/** The usage text of `senna token --help`. */
std::string token_usage();

} // namespace senna::app

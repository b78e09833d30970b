#pragma once
// Environment + command-line flags -> a validated config. Every setting has an environment
// variable (SOCK_X_Y) and a flag (--x-y VALUE or --x-y=VALUE); flags win.

#include "config/config.hpp"

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace senna::config {

/** Thrown for any invalid setting; what() is one line naming the variable and the problem. */
struct invalid_setting : std::runtime_error {
    using std::runtime_error::runtime_error;
};

using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/** Reads the process environment. */
std::optional<std::string> process_env(std::string_view name);

struct load_outcome {
    config cfg;
    bool show_help = false;
    bool show_version = false;
    std::vector<std::string> warnings; // settings that were ignored, with why
};

/**
 * Builds the config: defaults, then `env`, then `args` (argv without the program name).
 * Throws invalid_setting on the first bad value, an unknown flag, or a refused combination
 * (production with the default secret, an asymmetric algorithm without a readable key file).
 * `require_public_key` false lets an asymmetric algorithm go without SOCK_JWT_PUBLIC_KEY
 * (`senna token` signs with a private key; a public key given is still checked).
 */
load_outcome load(const std::vector<std::string>& args, const env_lookup& env,
                  bool require_public_key = true);

/** The text of `senna --help`: every setting with its variable, flag, default and meaning. */
std::string help_text();

} // namespace senna::config

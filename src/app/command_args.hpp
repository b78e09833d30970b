#pragma once
// The options of senna's sub-commands (`senna token`, `senna emit`): "--name VALUE" or
// "--name=VALUE".

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace senna::app {

/** One argument read as an option: split at its first '=' when it starts with "--". */
struct option_arg {
    std::string name;
    std::optional<std::string> inline_value;

    explicit option_arg(const std::string& arg) : name(arg) {
        if (auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
            inline_value = arg.substr(eq + 1);
            name = arg.substr(0, eq);
        }
    }

    /** Its value: the text after '=', else the argument after args[i] (i then moves past it);
        nullopt when there is neither. */
    std::optional<std::string> value(const std::vector<std::string>& args, std::size_t& i) const {
        if (inline_value)
            return inline_value;
        if (i + 1 >= args.size())
            return std::nullopt;
        return args[++i];
    }
};

} // namespace senna::app

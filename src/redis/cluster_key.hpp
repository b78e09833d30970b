#pragma once
// What the cluster client needs to know of a command (ADR 0013 §5): where each command of an
// encoded pipeline begins and ends, and which of its arguments is the key whose slot routes it.
// Knows nothing of connections.

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace senna::redis {

/** One command of an encoded pipeline. Views into the pipeline's bytes. */
struct encoded_command {
    /** The whole command as encoded (`*N\r\n$len\r\narg\r\n...`). */
    std::string_view bytes;
    /** Its routing key; nullopt for a keyless command (PING, INFO, MULTI, SCRIPT LOAD, ...). */
    std::optional<std::string_view> key;
};

/**
 * The `commands` commands of `payload` (the bytes of a redis::request), in order; nullopt if
 * they are not exactly that many RESP arrays of bulk strings.
 */
std::optional<std::vector<encoded_command>> split_commands(std::string_view payload,
                                                           std::size_t commands);

/** The key that routes `args` (the command name first) in a cluster; nullopt if keyless. */
std::optional<std::string_view> cluster_key(std::span<const std::string_view> args) noexcept;

} // namespace senna::redis

#include "redis/cluster_key.hpp"

#include <array>
#include <cctype>
#include <charconv>

namespace senna::redis {

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(a[i])) != static_cast<unsigned char>(b[i]))
            return false;
    return true;
}

// `names` are upper case.
bool is_one_of(std::string_view name, std::span<const std::string_view> names) noexcept {
    for (auto n : names)
        if (iequals(name, n))
            return true;
    return false;
}

constexpr std::array<std::string_view, 22> keyless = {
    "PING",   "INFO",  "MULTI",  "EXEC", "DISCARD",  "SCRIPT",   "CLUSTER", "CLIENT",
    "CONFIG", "TIME",  "DBSIZE", "ECHO", "WAIT",     "FUNCTION", "COMMAND", "SELECT",
    "AUTH",   "HELLO", "ASKING", "QUIT", "READONLY", "READWRITE"};

constexpr std::array<std::string_view, 6> scripts = {"EVAL",       "EVALSHA", "EVAL_RO",
                                                     "EVALSHA_RO", "FCALL",   "FCALL_RO"};

constexpr std::array<std::string_view, 4> subcommand_first = {"XINFO", "XGROUP", "OBJECT",
                                                              "MEMORY"};

// Reads `$len\r\n<len bytes>\r\n` at `pos`; nullopt if malformed.
std::optional<std::string_view> read_bulk(std::string_view s, std::size_t& pos) {
    if (pos >= s.size() || s[pos] != '$')
        return std::nullopt;
    auto eol = s.find("\r\n", pos);
    if (eol == std::string_view::npos)
        return std::nullopt;
    std::size_t len = 0;
    auto [p, ec] = std::from_chars(s.data() + pos + 1, s.data() + eol, len);
    if (ec != std::errc() || p != s.data() + eol)
        return std::nullopt;
    std::size_t start = eol + 2;
    if (len > s.size() || start > s.size() - len || s.size() - len - start < 2 ||
        s.substr(start + len, 2) != "\r\n")
        return std::nullopt;
    pos = start + len + 2;
    return s.substr(start, len);
}

} // namespace

std::optional<std::string_view> cluster_key(std::span<const std::string_view> args) noexcept {
    if (args.empty())
        return std::nullopt;
    std::string_view name = args[0];
    if (is_one_of(name, keyless))
        return std::nullopt;
    if (is_one_of(name, scripts)) {
        if (args.size() < 4)
            return std::nullopt;
        std::size_t numkeys = 0;
        auto [p, ec] = std::from_chars(args[2].data(), args[2].data() + args[2].size(), numkeys);
        if (ec != std::errc() || numkeys == 0)
            return std::nullopt;
        return args[3];
    }
    if (iequals(name, "XREAD") || iequals(name, "XREADGROUP")) {
        for (std::size_t i = 1; i + 1 < args.size(); ++i)
            if (iequals(args[i], "STREAMS"))
                return args[i + 1];
        return std::nullopt;
    }
    if (is_one_of(name, subcommand_first))
        return args.size() > 2 ? std::optional<std::string_view>(args[2]) : std::nullopt;
    return args.size() > 1 ? std::optional<std::string_view>(args[1]) : std::nullopt;
}

std::optional<std::vector<encoded_command>> split_commands(std::string_view payload,
                                                           std::size_t commands) {
    std::vector<encoded_command> out;
    out.reserve(commands);
    std::vector<std::string_view> args;
    std::size_t pos = 0;
    while (pos < payload.size()) {
        std::size_t begin = pos;
        if (payload[pos] != '*')
            return std::nullopt;
        auto eol = payload.find("\r\n", pos);
        if (eol == std::string_view::npos)
            return std::nullopt;
        std::size_t argc = 0;
        auto [p, ec] = std::from_chars(payload.data() + pos + 1, payload.data() + eol, argc);
        if (ec != std::errc() || p != payload.data() + eol || argc == 0)
            return std::nullopt;
        pos = eol + 2;
        args.clear();
        for (std::size_t i = 0; i < argc; ++i) {
            auto arg = read_bulk(payload, pos);
            if (!arg)
                return std::nullopt;
            args.push_back(*arg);
        }
        out.push_back({payload.substr(begin, pos - begin), cluster_key(args)});
    }
    if (out.size() != commands)
        return std::nullopt;
    return out;
}

} // namespace senna::redis

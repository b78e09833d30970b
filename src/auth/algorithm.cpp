#include "auth/algorithm.hpp"

#include <array>
#include <utility>

namespace senna::auth {

namespace {

constexpr std::array<std::pair<algorithm, std::string_view>, 9> names{{
    {algorithm::hs256, "HS256"},
    {algorithm::hs384, "HS384"},
    {algorithm::hs512, "HS512"},
    {algorithm::rs256, "RS256"},
    {algorithm::rs384, "RS384"},
    {algorithm::rs512, "RS512"},
    {algorithm::es256, "ES256"},
    {algorithm::es384, "ES384"},
    {algorithm::eddsa, "EdDSA"},
}};

} // namespace

std::optional<algorithm> parse_algorithm(std::string_view name) noexcept {
    for (const auto& [alg, text] : names)
        if (text == name)
            return alg;
    return std::nullopt;
}

std::string_view algorithm_name(algorithm a) noexcept {
    for (const auto& [alg, text] : names)
        if (alg == a)
            return text;
    return "unknown";
}

bool is_hmac(algorithm a) noexcept {
    return a == algorithm::hs256 || a == algorithm::hs384 || a == algorithm::hs512;
}

} // namespace senna::auth

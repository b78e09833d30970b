// libFuzzer target for the history page's splice (api/message_text.hpp over
// util/json_canonical.hpp). The input is a stored message's text; the first byte, when there is
// one, also picks the seq (0, 1, or the largest). Checks: whatever the splice takes, it writes
// byte for byte what the DOM path writes (parse_stored, message_json, the author's profile in
// place of "author", serialize); a text the splice takes parses; a text util::canonical_json
// calls canonical is what Boost.JSON writes back for it.
//
// Built and run by scripts/fuzz.sh:
//   scripts/fuzz.sh history_splice_fuzz   (FUZZ_SECONDS=60 by default)

#include "api/format.hpp"
#include "api/message_text.hpp"
#include "util/json_canonical.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

std::string profile_of(const senna::chat::id& a) {
    boost::json::object o;
    o["id"] = a.to_json();
    o["name"] = "N\"\xc3\xa9";
    return boost::json::serialize(o);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::uint64_t seq = size == 0 ? 0 : data[0] % 3 == 0 ? 0 : data[0] % 3 == 1 ? 1 : ~0ull;

    if (senna::util::canonical_json(text)) {
        boost::system::error_code ec;
        auto v = boost::json::parse(text, ec);
        if (ec || boost::json::serialize(v) != text)
            std::abort();
    }

    senna::api::spliced_message s;
    if (!s.read(text))
        return 0;
    std::string spliced;
    s.append(spliced, seq, s.author() ? profile_of(*s.author()) : std::string());

    auto m = senna::chat::parse_stored(text);
    if (!m)
        std::abort(); // the splice took a text the DOM path would leave out
    m->seq = seq;
    const auto a = m->author();
    if (a.has_value() != s.author().has_value() || (a && !(*a == *s.author())))
        std::abort();
    boost::json::object o = senna::api::message_json(std::move(*m));
    if (a)
        o["author"] = boost::json::parse(profile_of(*a));
    if (boost::json::serialize(o) != spliced)
        std::abort();
    return 0;
}

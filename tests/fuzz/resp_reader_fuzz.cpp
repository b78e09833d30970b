// libFuzzer target for the RESP2 reply reader (redis/reader.hpp: hiredis's redisReader behind
// senna's callbacks, which build `reply` trees and enforce reader_limits). The input is the byte
// stream a Redis server would send. Checks: no crash, no leak, no sanitizer report;
//  - fed whole or in small chunks (1..7 bytes, draining after each), the reader yields the
//    same replies and fails at the same point;
//  - every reply written back as RESP reads back as exactly itself, with nothing left over;
//  - under small limits, every reply obeys them (a longer string or array is an error), and a
//    failed reader reads again after reset().
// hiredis itself is Debian's build, not instrumented: coverage guidance sees senna's side only.
//
// Built and run by scripts/fuzz.sh:
//   scripts/fuzz.sh resp_reader_fuzz   (FUZZ_SECONDS=60 by default)

#include "redis/reader.hpp"
#include "redis/reply.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

using senna::redis::reader;
using senna::redis::reader_limits;
using senna::redis::replies;
using senna::redis::reply;

namespace {

struct outcome {
    senna::redis::replies replies;
    bool failed = false;
};

bool operator==(const reply& a, const reply& b) {
    if (a.type != b.type || a.as_string() != b.as_string() || a.integer != b.integer ||
        a.elements.size() != b.elements.size())
        return false;
    for (std::size_t i = 0; i < a.elements.size(); ++i)
        if (!(a.elements[i] == b.elements[i]))
            return false;
    return true;
}

// Takes every complete reply out of `r`; false once it failed.
bool drain(reader& r, outcome& out) {
    while (true) {
        auto n = r.next(out.replies);
        if (!n) {
            if (r.last_error().empty())
                std::abort(); // a failure always says why
            out.failed = true;
            return false;
        }
        if (!*n)
            return true;
        // Exercise the accessors on whatever came out.
        const reply& got = out.replies.back();
        (void)got.as_integer();
        (void)got.is_error_code("ERR");
        (void)senna::redis::to_debug_string(got);
    }
}

outcome read_all(std::string_view input, std::size_t chunk, reader_limits lim) {
    reader r(lim);
    outcome out;
    while (!input.empty()) {
        const auto piece = input.substr(0, chunk);
        input.remove_prefix(piece.size());
        r.feed(piece);
        if (!drain(r, out))
            break;
    }
    return out;
}

void write(const reply& r, std::string& out) {
    switch (r.type) {
    case reply::kind::nil:
        out += "$-1\r\n";
        return;
    case reply::kind::status:
        out += '+';
        out += r.as_string();
        out += "\r\n";
        return;
    case reply::kind::error:
        out += '-';
        out += r.as_string();
        out += "\r\n";
        return;
    case reply::kind::integer:
        out += ':' + std::to_string(r.integer) + "\r\n";
        return;
    case reply::kind::string:
        out += '$' + std::to_string(r.as_string().size()) + "\r\n";
        out += r.as_string();
        out += "\r\n";
        return;
    case reply::kind::array:
        out += '*' + std::to_string(r.elements.size()) + "\r\n";
        for (const auto& e : r.elements)
            write(e, out);
        return;
    }
}

bool within(const reply& r, const reader_limits& lim) {
    if (r.as_string().size() > lim.max_bulk || r.elements.size() > lim.max_elements)
        return false;
    return std::all_of(r.elements.begin(), r.elements.end(),
                       [&](const reply& e) { return within(e, lim); });
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    const outcome whole = read_all(input, input.size() + 1, {});
    const outcome chunked = read_all(input, 1 + size % 7, {});
    if (whole.failed != chunked.failed || whole.replies.size() != chunked.replies.size())
        std::abort();
    for (std::size_t i = 0; i < whole.replies.size(); ++i) {
        if (!(whole.replies[i] == chunked.replies[i]))
            std::abort();
        std::string again;
        write(whole.replies[i], again);
        reader r;
        r.feed(again);
        replies back;
        auto got = r.next(back);
        if (!got || !*got || !(back.back() == whole.replies[i]) || r.buffered() != 0)
            std::abort();
        // A deep copy into another owner, moved: still the same reply.
        replies copy;
        copy.push(whole.replies[i]);
        const replies moved(std::move(copy));
        if (!(moved[0] == whole.replies[i]))
            std::abort();
    }

    const reader_limits small{.max_bulk = 16, .max_elements = 4};
    reader r(small);
    r.feed(input);
    outcome limited;
    drain(r, limited);
    for (const auto& rep : limited.replies)
        if (!within(rep, small))
            std::abort();
    if (limited.failed) {
        r.reset();
        if (r.buffered() != 0)
            std::abort();
        r.feed("+OK\r\n");
        replies after;
        auto ok = r.next(after);
        if (!ok || !*ok || after.back().type != reply::kind::status ||
            after.back().as_string() != "OK")
            std::abort();
    }
    return 0;
}

#include "util/log.hpp"

#include "util/strings.hpp"
#include "util/time.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <unistd.h>

namespace senna::log {

namespace {

std::atomic<int> min_level{static_cast<int>(level::info)};

constexpr std::string_view level_name(level l) {
    switch (l) {
    case level::debug:
        return "debug";
    case level::info:
        return "info";
    case level::warn:
        return "warn";
    case level::error:
        return "error";
    }
    return "info";
}

bool needs_quotes(std::string_view v) {
    if (v.empty())
        return true;
    for (char c : v)
        if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20)
            return true;
    return false;
}

void append_value(std::string& out, std::string_view v) {
    if (!needs_quotes(v)) {
        out += v;
        return;
    }
    util::append_json_string(v, out); // quoted and escaped as a JSON string
}

} // namespace

field::field(std::string_view k, double v) : key(k) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    value = buf;
}

void set_level(level l) {
    min_level.store(static_cast<int>(l), std::memory_order_relaxed);
}

bool enabled(level l) {
    return static_cast<int>(l) >= min_level.load(std::memory_order_relaxed);
}

bool parse_level(std::string_view text, level& out) {
    for (level l : {level::debug, level::info, level::warn, level::error}) {
        if (text == level_name(l)) {
            out = l;
            return true;
        }
    }
    return false;
}

std::string format(level l, std::string_view event, std::initializer_list<field> fields,
                   std::int64_t unix_ms) {
    std::string line;
    line.reserve(128);
    line += util::iso8601(unix_ms);
    line += ' ';
    line += level_name(l);
    line += ' ';
    append_value(line, event);
    for (const auto& f : fields) {
        line += ' ';
        line += f.key;
        line += '=';
        append_value(line, f.value);
    }
    line += '\n';
    return line;
}

void write(level l, std::string_view event, std::initializer_list<field> fields) {
    if (!enabled(l))
        return;
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    std::string line = format(l, event, fields, now);
    // One write(2) per line so lines from different shards never interleave.
    std::size_t off = 0;
    while (off < line.size()) {
        ssize_t n = ::write(STDERR_FILENO, line.data() + off, line.size() - off);
        if (n <= 0)
            break;
        off += static_cast<std::size_t>(n);
    }
}

} // namespace senna::log

#pragma once
// Structured logging: one line per event, `time level event key=value ...` (logfmt).
// Thread-safe: a line is formatted whole and written with one write(2).
// Never pass a token or a password as a field value.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace senna::log {

enum class level { debug = 0, info = 1, warn = 2, error = 3 };

/** One key=value pair. Values are quoted in the output when they contain spaces or quotes. */
struct field {
    std::string_view key;
    std::string value;

    field(std::string_view k, std::string_view v) : key(k), value(v) {}
    field(std::string_view k, const char* v) : key(k), value(v) {}
    field(std::string_view k, const std::string& v) : key(k), value(v) {}
    field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
    field(std::string_view k, int v) : key(k), value(std::to_string(v)) {}
    field(std::string_view k, long v) : key(k), value(std::to_string(v)) {}
    field(std::string_view k, long long v) : key(k), value(std::to_string(v)) {}
    field(std::string_view k, unsigned v) : key(k), value(std::to_string(v)) {}
    field(std::string_view k, unsigned long v) : key(k), value(std::to_string(v)) {}
    field(std::string_view k, unsigned long long v) : key(k), value(std::to_string(v)) {}
    field(std::string_view k, double v);
};

/** Sets the lowest level written; the default is info. Call before threads start. */
void set_level(level l);
bool enabled(level l);
/** Parses "debug", "info", "warn", "error"; false when the text is none of them. */
bool parse_level(std::string_view text, level& out);

void write(level l, std::string_view event, std::initializer_list<field> fields);

inline void debug(std::string_view event, std::initializer_list<field> fields = {}) {
    if (enabled(level::debug))
        write(level::debug, event, fields);
}
inline void info(std::string_view event, std::initializer_list<field> fields = {}) {
    write(level::info, event, fields);
}
inline void warn(std::string_view event, std::initializer_list<field> fields = {}) {
    write(level::warn, event, fields);
}
inline void error(std::string_view event, std::initializer_list<field> fields = {}) {
    write(level::error, event, fields);
}

/** Formats one line without writing it (for tests). */
std::string format(level l, std::string_view event, std::initializer_list<field> fields,
                   std::int64_t unix_ms);

} // namespace senna::log

#include "redis/request.hpp"

#include <charconv>

namespace senna::redis {

namespace {

// "<prefix><n>\r\n" in one append.
void append_number(std::string& out, char prefix, std::size_t n) {
    char buf[32];
    buf[0] = prefix;
    char* end = std::to_chars(buf + 1, buf + sizeof buf - 2, n).ptr;
    *end++ = '\r';
    *end++ = '\n';
    out.append(buf, end);
}

} // namespace

void request::begin_command(std::size_t args) {
    append_number(payload_, '*', args);
    ++commands_;
}

void request::append_arg(std::string_view arg) {
    append_number(payload_, '$', arg.size());
    payload_.append(arg);
    payload_ += "\r\n";
}

void request::append_arg(long long value) {
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, value);
    append_arg(std::string_view(buf, static_cast<std::size_t>(res.ptr - buf)));
}

void request::append_arg(unsigned long long value) {
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, value);
    append_arg(std::string_view(buf, static_cast<std::size_t>(res.ptr - buf)));
}

void request::push_spans(std::string_view command,
                         std::initializer_list<std::span<const std::string_view>> parts) {
    std::size_t args = 1, bytes = 16 + command.size() + 16;
    for (const auto& part : parts) {
        args += part.size();
        for (std::string_view a : part)
            bytes += a.size() + 16; // "$<len>\r\n" and "\r\n"
    }
    payload_.reserve(payload_.size() + bytes);
    begin_command(args);
    append_arg(command);
    for (const auto& part : parts)
        for (std::string_view a : part)
            append_arg(a);
}

void request::append(const request& other) {
    payload_ += other.payload_;
    commands_ += other.commands_;
}

void request::append_encoded(std::string_view bytes, std::size_t commands) {
    payload_ += bytes;
    commands_ += commands;
}

void request::clear() noexcept {
    payload_.clear();
    commands_ = 0;
}

} // namespace senna::redis

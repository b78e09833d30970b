#include "redis/request.hpp"

#include <charconv>

namespace senna::redis {

namespace {

void append_number(std::string& out, char prefix, std::size_t n) {
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, n);
    out += prefix;
    out.append(buf, res.ptr);
    out += "\r\n";
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

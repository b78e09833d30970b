#include "redis/request.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <functional>
#include <utility>

namespace senna::redis {

request::request(const request& other) : size_(other.size_), commands_(other.commands_) {
    if (size_ != 0) {
        data_ = std::make_unique_for_overwrite<char[]>(size_);
        capacity_ = size_;
        std::memcpy(data_.get(), other.data_.get(), size_);
    }
}

request& request::operator=(const request& other) {
    if (this != &other) {
        clear();
        write(other.payload());
        commands_ = other.commands_;
    }
    return *this;
}

request::request(request&& other) noexcept
    : data_(std::move(other.data_)), size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)), commands_(std::exchange(other.commands_, 0)) {}

request& request::operator=(request&& other) noexcept {
    if (this == &other)
        return *this;
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
    commands_ = std::exchange(other.commands_, 0);
    return *this;
}

void request::grow(std::size_t n) {
    const std::size_t want = std::max({size_ + n, 2 * capacity_, std::size_t{256}});
    auto bigger = std::make_unique_for_overwrite<char[]>(want);
    if (size_ != 0)
        std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = want;
}

std::string_view request::room_for(std::string_view bytes, std::size_t n) {
    if (capacity_ - size_ >= n)
        return bytes;
    // `bytes` may be part of this very buffer (a request appended to itself): find it again in
    // the new one, as std::string::append would.
    const char* old = data_.get();
    const std::less<const char*> before;
    const bool own =
        old != nullptr && !before(bytes.data(), old) && before(bytes.data(), old + size_);
    const auto at = own ? static_cast<std::size_t>(bytes.data() - old) : 0;
    grow(n);
    return own ? std::string_view(data_.get() + at, bytes.size()) : bytes;
}

void request::write(std::string_view bytes) {
    if (bytes.empty())
        return;
    bytes = room_for(bytes, bytes.size());
    std::memcpy(data_.get() + size_, bytes.data(), bytes.size());
    size_ += bytes.size();
}

void request::begin_command(std::size_t args) {
    char* p = room(24);
    *p++ = '*';
    p = std::to_chars(p, p + 20, args).ptr;
    *p++ = '\r';
    *p++ = '\n';
    size_ = static_cast<std::size_t>(p - data_.get());
    ++commands_;
}

void request::append_arg(std::string_view arg) {
    // "$<len>\r\n<arg>\r\n"
    arg = room_for(arg, arg.size() + 26);
    char* p = data_.get() + size_;
    *p++ = '$';
    p = std::to_chars(p, p + 20, arg.size()).ptr;
    *p++ = '\r';
    *p++ = '\n';
    if (!arg.empty())
        std::memcpy(p, arg.data(), arg.size());
    p += arg.size();
    *p++ = '\r';
    *p++ = '\n';
    size_ = static_cast<std::size_t>(p - data_.get());
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
    std::size_t args = 1, bytes = 24 + command.size() + 26;
    for (const auto& part : parts) {
        args += part.size();
        for (std::string_view a : part)
            bytes += a.size() + 26; // what append_arg asks room() for
    }
    room(bytes);
    begin_command(args);
    append_arg(command);
    for (const auto& part : parts)
        for (std::string_view a : part)
            append_arg(a);
}

void request::append(const request& other) {
    write(other.payload());
    commands_ += other.commands_;
}

void request::append_encoded(std::string_view bytes, std::size_t commands) {
    write(bytes);
    commands_ += commands;
}

void request::clear() noexcept {
    size_ = 0; // the buffer is kept for the next pipeline
    commands_ = 0;
}

} // namespace senna::redis

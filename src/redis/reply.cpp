#include "redis/reply.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>

namespace senna::redis {

const reply& reply_range::at(std::size_t i) const {
    if (i >= count_)
        throw std::out_of_range("reply_range::at");
    return first_[i];
}

std::optional<long long> reply::as_integer() const noexcept {
    if (type == kind::integer)
        return integer;
    if (type != kind::string)
        return std::nullopt;
    long long v = 0;
    const std::string_view s = as_string();
    const char* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, v);
    if (ec != std::errc() || p != end || s.empty())
        return std::nullopt;
    return v;
}

bool reply::is_error_code(std::string_view code) const noexcept {
    if (type != kind::error)
        return false;
    std::string_view s = as_string();
    return s.substr(0, code.size()) == code && (s.size() == code.size() || s[code.size()] == ' ');
}

// --- replies

void* replies::take(std::size_t n, std::size_t align) {
    std::size_t at = (used_ + align - 1) & ~(align - 1);
    if (current_.data == nullptr || at > current_.capacity || n > current_.capacity - at) {
        // Each block at least doubles the last: a pipeline ends up with a few blocks whatever
        // its size, usually one. What is left of the last block is not reused.
        constexpr std::size_t first_block = 512;
        const std::size_t cap = std::max({n, first_block, 2 * current_.capacity});
        block next(std::unique_ptr<std::byte[]>(new std::byte[cap]), cap);
        if (current_.data != nullptr)
            full_.push_back(std::move(current_));
        current_ = std::move(next);
        at = 0;
    }
    used_ = at + n;
    return current_.data.get() + at;
}

reply* replies::take_nodes(std::size_t n) {
    static_assert(std::is_trivially_destructible_v<reply>); // blocks are freed as bytes
    if (n == 0)
        return nullptr;
    auto* out = static_cast<reply*>(take(n * sizeof(reply), alignof(reply)));
    std::uninitialized_value_construct_n(out, n);
    return std::launder(out);
}

void replies::clear() noexcept {
    roots_.clear();
    full_.clear(); // current_, the largest, is kept
    used_ = 0;
}

const reply& replies::front() const noexcept {
    static const reply nil;
    return roots_.empty() ? nil : roots_.front();
}

namespace {

void measure(const reply& r, std::size_t& nodes, std::size_t& bytes) {
    bytes += r.as_string().size();
    nodes += r.elements.size();
    for (const reply& e : r.elements)
        measure(e, nodes, bytes);
}

// Copies `from` into `to`; its elements go to `nodes` (advanced past them and their
// descendants: each array's elements contiguous) and its text to `bytes`.
void copy_into(const reply& from, reply& to, reply*& nodes, char*& bytes) {
    const std::string_view s = from.as_string();
    if (from.type == reply::kind::integer)
        to = reply::make_integer(from.integer);
    else if (from.type == reply::kind::array) {
        reply* kids = nodes;
        nodes += from.elements.size();
        for (std::size_t i = 0; i < from.elements.size(); ++i)
            copy_into(from.elements[i], kids[i], nodes, bytes);
        to = reply::make_array(std::span<const reply>(kids, from.elements.size()));
    } else if (from.type == reply::kind::nil)
        to = reply::make_nil();
    else {
        if (!s.empty())
            std::memcpy(bytes, s.data(), s.size());
        to = reply::make_text(from.type, std::string_view(bytes, s.size()));
        bytes += s.size();
    }
}

} // namespace

reply replies::push(const reply& r) {
    std::size_t n = 0;
    std::size_t b = 0;
    measure(r, n, b);
    reply* nodes = take_nodes(n);
    char* bytes = take_bytes(b);
    reply root;
    copy_into(r, root, nodes, bytes);
    roots_.push_back(root);
    return root;
}

namespace {

void append_debug(std::string& out, const reply& r) {
    switch (r.type) {
    case reply::kind::nil:
        out += "(nil)";
        return;
    case reply::kind::status:
        out += '+';
        out += r.as_string();
        return;
    case reply::kind::error:
        out += '-';
        out += r.as_string();
        return;
    case reply::kind::integer:
        out += ':';
        out += std::to_string(r.integer);
        return;
    case reply::kind::string:
        out += '"';
        out += r.as_string();
        out += '"';
        return;
    case reply::kind::array:
        out += '[';
        for (std::size_t i = 0; i < r.elements.size(); ++i) {
            if (i != 0)
                out += ", ";
            append_debug(out, r.elements[i]);
        }
        out += ']';
        return;
    }
}

} // namespace

std::string to_debug_string(const reply& r) {
    std::string out;
    append_debug(out, r);
    return out;
}

} // namespace senna::redis

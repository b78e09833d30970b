#pragma once
// RESP2 replies as cheap views over storage owned by a `replies` (ADR 0016). A `reply` is a
// non-owning node: its text is a string_view and its elements a range of nodes, both inside
// the owner that produced it. A pipeline's replies live in one `replies`: its nodes in a few
// contiguous blocks and all their bytes in a few more, instead of one std::string and one
// std::vector per node. An error reply (`-ERR ...`) is a reply, not a failure of the operation
// that carried it.
//
// Lifetime: a `reply` (and every string_view taken from it) is valid while its owner lives,
// whatever happens to the owner meanwhile: moving it or appending to it never moves what it
// holds (its blocks are never reallocated). Anything kept past the owner must be copied out
// (std::string(r.as_string())) or into another owner (replies::push).

#include "redis/server_error.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace senna::redis {

struct reply;

/** The elements of an array reply: a view of contiguous nodes (size, [], begin/end). */
class reply_range {
public:
    reply_range() = default;
    reply_range(const reply* first, std::size_t count) noexcept : first_(first), count_(count) {}

    std::size_t size() const noexcept { return count_; }
    bool empty() const noexcept { return count_ == 0; }
    const reply* begin() const noexcept { return first_; }
    inline const reply* end() const noexcept;
    inline const reply& operator[](std::size_t i) const noexcept;
    /** Element `i`; throws std::out_of_range past the end. */
    const reply& at(std::size_t i) const;
    inline const reply& front() const noexcept;
    inline const reply& back() const noexcept;

private:
    const reply* first_ = nullptr;
    std::size_t count_ = 0;
};

struct reply {
    enum class kind { nil, status, error, integer, string, array };

    kind type = kind::nil;
    long long integer = 0;
    /** The elements of an array reply (empty for any other). */
    reply_range elements;

    bool is_nil() const noexcept { return type == kind::nil; }
    bool is_error() const noexcept { return type == kind::error; }
    bool is_array() const noexcept { return type == kind::array; }

    /** The text of a status, error or bulk string reply (binary-safe); empty otherwise. A view
     *  into the owner: copy it to keep it longer. */
    std::string_view as_string() const noexcept { return {text_, size_}; }

    /** The value of an integer reply, or of a string reply holding a decimal integer. */
    std::optional<long long> as_integer() const noexcept;

    /** True for an error reply whose code (first word) is `code`, e.g. "NOSCRIPT". */
    bool is_error_code(std::string_view code) const noexcept;

    /** What an error reply says went wrong (server_error.hpp); `none` for any other reply. */
    server_error error_kind() const noexcept {
        return type == kind::error ? classify(as_string()) : server_error::none;
    }

    // Views over storage the caller keeps alive (the reader's layout, tests, copies).
    static reply make_nil() noexcept { return {}; }
    static reply make_integer(long long v) noexcept {
        reply r;
        r.type = kind::integer;
        r.integer = v;
        return r;
    }
    /** `k` is status, error or string; `text` is viewed, not copied. */
    static reply make_text(kind k, std::string_view text) noexcept {
        reply r;
        r.type = k;
        r.text_ = text.data();
        r.size_ = text.size();
        return r;
    }
    static reply make_string(std::string_view text) noexcept {
        return make_text(kind::string, text);
    }
    static reply make_array(std::span<const reply> elements) noexcept {
        reply r;
        r.type = kind::array;
        r.elements = reply_range(elements.data(), elements.size());
        return r;
    }

private:
    const char* text_ = nullptr;
    std::size_t size_ = 0;
};

inline const reply* reply_range::end() const noexcept {
    return first_ + count_;
}
inline const reply& reply_range::operator[](std::size_t i) const noexcept {
    return first_[i];
}
inline const reply& reply_range::front() const noexcept {
    return first_[0];
}
inline const reply& reply_range::back() const noexcept {
    return first_[count_ - 1];
}

/**
 * The owner of a sequence of replies (a pipeline's, in order) and of everything they view.
 * Movable, not copyable; indexable like a vector of replies. Its nodes and bytes share blocks
 * that are allocated as needed (each at least twice the previous one) and never moved, so
 * views survive moves of the owner and later pushes. A pipeline usually takes two
 * allocations: the index of its replies and one block.
 */
class replies {
public:
    replies() = default;
    /** Views move with the storage; the moved-from owner is empty and usable. */
    replies(replies&& other) noexcept { *this = std::move(other); }
    replies& operator=(replies&& other) noexcept {
        if (this != &other) {
            roots_ = std::move(other.roots_);
            other.roots_.clear();
            current_ = std::move(other.current_);
            used_ = std::exchange(other.used_, 0);
            full_ = std::move(other.full_);
            other.full_.clear();
        }
        return *this;
    }
    replies(const replies&) = delete;
    replies& operator=(const replies&) = delete;

    std::size_t size() const noexcept { return roots_.size(); }
    bool empty() const noexcept { return roots_.empty(); }
    const reply& operator[](std::size_t i) const noexcept { return roots_[i]; }
    const reply* begin() const noexcept { return roots_.data(); }
    const reply* end() const noexcept { return roots_.data() + roots_.size(); }
    const reply& back() const noexcept { return roots_.back(); }
    /** The first reply, or a nil reply when there is none: what async_evalsha completes with
     *  is an owner of exactly one reply, or of none on failure. */
    const reply& front() const noexcept;

    /** Room for `n` replies without reallocating the index (not their nodes or bytes). */
    void reserve(std::size_t n) { roots_.reserve(n); }
    /** Drops every reply; keeps the largest blocks for reuse. Views die. */
    void clear() noexcept;

    /** Appends a deep copy of `r` (from any owner, or a view of anything alive) and returns
     *  the copy, a view into this owner. */
    reply push(const reply& r);

    // --- for builders (the reader): allocate storage, then append a root viewing into it.
    /** `n` contiguous nodes (nil), stable for the owner's life; nullptr for n == 0. */
    reply* take_nodes(std::size_t n);
    /** `n` bytes, uninitialised, stable for the owner's life (nullptr possible for n == 0). */
    char* take_bytes(std::size_t n) {
        if (n <= current_.capacity - used_) { // the usual case: room in the current block
            char* out = reinterpret_cast<char*>(current_.data.get()) + used_;
            used_ += n;
            return out;
        }
        return static_cast<char*>(take(n, 1));
    }
    /** Appends `r`, whose nodes and bytes were taken from this owner. */
    void push_root(const reply& r) { roots_.push_back(r); }

private:
    struct block {
        std::unique_ptr<std::byte[]> data;
        std::size_t capacity = 0;

        block() = default;
        block(std::unique_ptr<std::byte[]> d, std::size_t c) noexcept
            : data(std::move(d)), capacity(c) {}
        block(block&& other) noexcept
            : data(std::move(other.data)), capacity(std::exchange(other.capacity, 0)) {}
        block& operator=(block&& other) noexcept {
            data = std::move(other.data);
            capacity = std::exchange(other.capacity, 0);
            return *this;
        }
    };

    /** `n` bytes aligned to `align` from the current block, or from a new one. */
    void* take(std::size_t n, std::size_t align);

    std::vector<reply> roots_;
    block current_;           // where storage is taken from: the largest block
    std::size_t used_ = 0;    // bytes of current_ taken
    std::vector<block> full_; // the blocks before it, kept for their views
};

/** A short human-readable rendering for logs and test failure messages. */
std::string to_debug_string(const reply& r);

} // namespace senna::redis

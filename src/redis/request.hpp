#pragma once
// A pipeline of commands, encoded at once as RESP2 arrays of bulk strings. Arguments are
// anything convertible to std::string_view, or integers (written in decimal); ranges expand
// to one argument per element, and a range of pairs to two (HSET key f1 v1 f2 v2 ...).

#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace senna::redis {

namespace detail {

template <class T>
concept string_like = std::convertible_to<const T&, std::string_view>;

template <class T>
concept integer_like = std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char>;

template <class T>
concept argument = string_like<T> || integer_like<T>;

template <class T> struct is_pair : std::false_type {};
template <class A, class B> struct is_pair<std::pair<A, B>> : std::true_type {};

} // namespace detail

class request {
public:
    request() = default;
    request(const request& other);
    request& operator=(const request& other);
    request(request&& other) noexcept;
    request& operator=(request&& other) noexcept;
    ~request() = default;

    /** Appends one command: `push("SET", key, value, "EX", 60)`. */
    template <class... Args>
    requires(detail::argument<Args>&&...) void push(std::string_view command, const Args&... args) {
        begin_command(1 + sizeof...(Args));
        append_arg(command);
        (append_arg(args), ...);
    }

    /** Appends `command` followed by every element of `range`: `push_range("DEL", keys)`. */
    template <class Range> void push_range(std::string_view command, const Range& range) {
        begin_command(1 + count(range));
        append_arg(command);
        append_range(range);
    }

    /** Appends `command key` followed by every element: `push_range("HMGET", key, fields)`. */
    template <class Range>
    void push_range(std::string_view command, std::string_view key, const Range& range) {
        begin_command(2 + count(range));
        append_arg(command);
        append_arg(key);
        append_range(range);
    }

    /** Appends `command` followed by every element of `parts`' ranges in turn (EVALSHA's sha
        and numkeys, its KEYS, its ARGV), with the bytes they take reserved once. */
    void push_spans(std::string_view command,
                    std::initializer_list<std::span<const std::string_view>> parts);

    /** Appends every command of `other`, in order. */
    void append(const request& other);

    /** Appends `commands` commands already encoded by a request (`payload()` bytes, or whole
     *  commands cut from them): the cluster client re-sends parts of a pipeline this way. */
    void append_encoded(std::string_view bytes, std::size_t commands);

    /** Number of commands, hence of replies to expect. */
    std::size_t size() const noexcept { return commands_; }
    bool empty() const noexcept { return commands_ == 0; }
    /** The encoded bytes, ready to write (valid until the request changes). */
    std::string_view payload() const noexcept { return {data_.get(), size_}; }

    void clear() noexcept;
    void reserve(std::size_t bytes) {
        if (bytes > capacity_)
            grow(bytes - size_);
    }

private:
    void begin_command(std::size_t args);
    void append_arg(std::string_view arg);
    void append_arg(long long value);
    void append_arg(unsigned long long value);

    template <class T>
    requires detail::integer_like<T>
    void append_arg(T value) {
        if constexpr (std::is_signed_v<T>)
            append_arg(static_cast<long long>(value));
        else
            append_arg(static_cast<unsigned long long>(value));
    }

    template <class T>
    requires(detail::string_like<T> &&
             !std::same_as<T, std::string_view>) void append_arg(const T& value) {
        append_arg(std::string_view(value));
    }

    template <class Range> static std::size_t count(const Range& range) {
        using value_type = std::remove_cvref_t<decltype(*std::begin(range))>;
        auto n = static_cast<std::size_t>(std::distance(std::begin(range), std::end(range)));
        return detail::is_pair<value_type>::value ? 2 * n : n;
    }

    template <class Range> void append_range(const Range& range) {
        using value_type = std::remove_cvref_t<decltype(*std::begin(range))>;
        for (const auto& item : range) {
            if constexpr (detail::is_pair<value_type>::value) {
                append_arg(item.first);
                append_arg(item.second);
            } else {
                append_arg(item);
            }
        }
    }

    // Room for `n` more bytes: the encoding writes into it directly (an argument is its header,
    // its bytes and CRLF: three appends to a std::string were most of the cost of encoding).
    char* room(std::size_t n) {
        if (capacity_ - size_ < n)
            grow(n);
        return data_.get() + size_;
    }
    void grow(std::size_t n);
    // Room for `n` more bytes, with `bytes` (an argument about to be written) still valid.
    std::string_view room_for(std::string_view bytes, std::size_t n);
    void write(std::string_view bytes);

    std::unique_ptr<char[]> data_;
    std::size_t size_ = 0, capacity_ = 0;
    std::size_t commands_ = 0;
};

} // namespace senna::redis

#include "socketio/json.hpp"

#include "util/strings.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace senna::socketio {

namespace {

/**
 * Number#toString (ECMA-262 Number::toString, radix 10): with the shortest digits d1..dk and
 * the exponent n such that the value is 0.d1..dk * 10^n, write plain decimals for
 * -6 < n <= 21 and exponent form otherwise.
 */
void append_double(double d, std::string& out) {
    if (!std::isfinite(d)) {
        out += "null";
        return;
    }
    if (d == 0) { // +0 and -0
        out += '0';
        return;
    }
    char buf[40];
    const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string_view s(buf, static_cast<std::size_t>(r.ptr - buf)); // [-]d[.ddd]e(+|-)xx
    if (s.front() == '-') {
        out += '-';
        s.remove_prefix(1);
    }
    const auto e = s.find('e');
    std::string digits(1, s[0]);
    if (e > 1)
        digits.append(s.substr(2, e - 2));
    std::string_view exponent = s.substr(e + 1);
    const bool negative_exponent = exponent.front() == '-';
    exponent.remove_prefix(1); // the sign; from_chars takes no '+'
    int x = 0;
    std::from_chars(exponent.data(), exponent.data() + exponent.size(), x);
    const int n = (negative_exponent ? -x : x) + 1;
    const int k = static_cast<int>(digits.size());
    if (k <= n && n <= 21) {
        out += digits;
        out.append(static_cast<std::size_t>(n - k), '0');
    } else if (0 < n && n <= 21) {
        out.append(digits, 0, static_cast<std::size_t>(n));
        out += '.';
        out.append(digits, static_cast<std::size_t>(n));
    } else if (-6 < n && n <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-n), '0');
        out += digits;
    } else {
        out += digits[0];
        if (k > 1) {
            out += '.';
            out.append(digits, 1);
        }
        out += n - 1 < 0 ? "e-" : "e+";
        util::append_integer(std::abs(n - 1), out);
    }
}

/**
 * A basic_parser handler that builds a value like Boost.JSON's own, except that a double is
 * re-read from its text with std::from_chars (correctly rounded in libstdc++ 12).
 */
class precise_handler {
public:
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);

    using error_code = boost::system::error_code;
    using string_view = boost::json::string_view;

    precise_handler() { stack_.reset(); }

    boost::json::value release() { return stack_.release(); }

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_array_begin(error_code&) { return true; }
    bool on_array_end(std::size_t n, error_code&) {
        stack_.push_array(n);
        return true;
    }
    bool on_object_begin(error_code&) { return true; }
    bool on_object_end(std::size_t n, error_code&) {
        stack_.push_object(n);
        return true;
    }
    bool on_string_part(string_view s, std::size_t, error_code&) {
        stack_.push_chars(s);
        return true;
    }
    bool on_string(string_view s, std::size_t, error_code&) {
        stack_.push_string(s);
        return true;
    }
    bool on_key_part(string_view s, std::size_t, error_code&) {
        stack_.push_chars(s);
        return true;
    }
    bool on_key(string_view s, std::size_t, error_code&) {
        stack_.push_key(s);
        return true;
    }
    bool on_number_part(string_view s, error_code&) {
        number_.append(s.data(), s.size()); // only when a number spans two writes
        return true;
    }
    bool on_int64(std::int64_t i, string_view, error_code&) {
        number_.clear();
        stack_.push_int64(i);
        return true;
    }
    bool on_uint64(std::uint64_t u, string_view, error_code&) {
        number_.clear();
        stack_.push_uint64(u);
        return true;
    }
    bool on_double(double d, string_view s, error_code&) {
        number_.append(s.data(), s.size());
        double exact = 0;
        const auto r = std::from_chars(number_.data(), number_.data() + number_.size(), exact);
        // JSON number syntax is a subset of from_chars's; out of range keeps Boost's value.
        if (r.ec == std::errc() && r.ptr == number_.data() + number_.size())
            d = exact;
        number_.clear();
        stack_.push_double(d);
        return true;
    }
    bool on_bool(bool b, error_code&) {
        stack_.push_bool(b);
        return true;
    }
    bool on_null(error_code&) {
        stack_.push_null();
        return true;
    }
    bool on_comment_part(string_view, error_code&) { return true; }
    bool on_comment(string_view, error_code&) { return true; }

private:
    boost::json::value_stack stack_;
    std::string number_;
};

} // namespace

boost::system::result<boost::json::value> parse_json(std::string_view text, std::size_t max_depth) {
    boost::json::parse_options options;
    options.max_depth = max_depth;
    boost::json::basic_parser<precise_handler> parser(options);
    boost::system::error_code ec;
    const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
    if (ec)
        return ec;
    if (used != text.size()) // write_some stops after the first complete value
        return make_error_code(boost::json::error::extra_data);
    return parser.handler().release();
}

void append_json(const boost::json::value& v, std::string& out) {
    switch (v.kind()) {
    case boost::json::kind::null:
        out += "null";
        return;
    case boost::json::kind::bool_:
        out += v.get_bool() ? "true" : "false";
        return;
    case boost::json::kind::int64:
        util::append_integer(v.get_int64(), out);
        return;
    case boost::json::kind::uint64:
        util::append_integer(v.get_uint64(), out);
        return;
    case boost::json::kind::double_:
        append_double(v.get_double(), out);
        return;
    case boost::json::kind::string:
        util::append_json_string(v.get_string(), out);
        return;
    case boost::json::kind::array: {
        out += '[';
        bool first = true;
        for (const auto& element : v.get_array()) {
            if (!first)
                out += ',';
            first = false;
            append_json(element, out);
        }
        out += ']';
        return;
    }
    case boost::json::kind::object:
        append_json(v.get_object(), out);
        return;
    }
}

void append_json(const boost::json::object& o, std::string& out) {
    out += '{';
    bool first = true;
    for (const auto& member : o) {
        if (!first)
            out += ',';
        first = false;
        util::append_json_string(member.key(), out);
        out += ':';
        append_json(member.value(), out);
    }
    out += '}';
}

std::string to_json(const boost::json::value& v) {
    std::string out;
    append_json(v, out);
    return out;
}

} // namespace senna::socketio

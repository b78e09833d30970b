#include "http/router.hpp"

#include "http/query.hpp"
#include "util/strings.hpp"

#include <algorithm>

namespace senna::http {

namespace {

std::string_view strip_trailing_slash(std::string_view p) {
    if (p.size() > 1 && p.back() == '/')
        p.remove_suffix(1);
    return p;
}

/** The next '/'-separated segment of `s` (consumed), for walking a path without splitting it. */
std::string_view next_segment(std::string_view& s) {
    const auto pos = s.find('/');
    const auto seg = s.substr(0, pos);
    s = pos == std::string_view::npos ? std::string_view() : s.substr(pos + 1);
    return seg;
}

std::ptrdiff_t slashes_of(std::string_view p) {
    p = strip_trailing_slash(p);
    return std::count(p.begin(), p.end(), '/');
}

// Matches `path` (with `slashes` of them, slashes_of) against `pattern`, segment by segment and
// without allocating unless it matches; on success fills `params` (pattern views, decoded
// values). Every request walks the route table, so this stays cheap.
bool match_pattern(std::string_view pattern, std::string_view path, std::ptrdiff_t slashes,
                   std::vector<std::pair<std::string_view, std::string>>& params) {
    std::string_view pat = strip_trailing_slash(pattern);
    std::string_view rest = strip_trailing_slash(path);
    {
        std::string_view p = pat, r = rest;
        for (auto i = slashes; i >= 0; --i) {
            const auto ps = next_segment(p), rs = next_segment(r);
            if (!ps.empty() && ps.front() == ':' ? rs.empty() : ps != rs)
                return false;
        }
    }
    params.clear();
    for (auto i = slashes; i >= 0; --i) {
        const auto ps = next_segment(pat), rs = next_segment(rest);
        if (!ps.empty() && ps.front() == ':')
            params.emplace_back(ps.substr(1), percent_decode(rs));
    }
    return true;
}

} // namespace

std::string_view request_context::param(std::string_view name) const {
    for (const auto& [k, v] : params)
        if (k == name)
            return v;
    return {};
}

const handler* route::find(verb m) const {
    for (const auto& [v, fn] : methods)
        if (v == m)
            return &fn;
    if (m == verb::head)
        return find(verb::get);
    return nullptr;
}

void router::add(verb method, std::string pattern, handler fn) {
    auto it = std::find_if(routes_.begin(), routes_.end(),
                           [&](const route& r) { return r.pattern == pattern; });
    if (it == routes_.end()) {
        slashes_.push_back(slashes_of(pattern));
        routes_.push_back(route{std::move(pattern), {}, {}});
        it = routes_.end() - 1;
    }
    it->methods.emplace_back(method, std::move(fn));
    it->allow.clear();
    for (const auto& [v, f] : it->methods) {
        if (!it->allow.empty())
            it->allow += ", ";
        it->allow += bhttp::to_string(v);
        if (v == verb::get)
            it->allow += ", HEAD";
    }
}

router::match_result router::match(verb method, std::string_view path) const {
    match_result out;
    const auto slashes = slashes_of(path);
    for (std::size_t i = 0; i < routes_.size(); ++i) {
        const route& r = routes_[i];
        // Captured names view into the pattern, which outlives the match.
        if (slashes_[i] != slashes || !match_pattern(r.pattern, path, slashes, out.params))
            continue;
        out.matched = &r;
        out.index = i;
        out.fn = r.find(method);
        out.kind = out.fn ? outcome::found : outcome::method_not_allowed;
        return out;
    }
    out.params.clear();
    return out;
}

} // namespace senna::http

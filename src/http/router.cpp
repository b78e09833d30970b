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

// Matches `path` against `pattern`; on success fills `params` (pattern views, decoded values).
bool match_pattern(std::string_view pattern, std::string_view path,
                   std::vector<std::pair<std::string_view, std::string>>& params) {
    auto pat = util::split(strip_trailing_slash(pattern), '/');
    auto segs = util::split(strip_trailing_slash(path), '/');
    if (pat.size() != segs.size())
        return false;
    params.clear();
    for (std::size_t i = 0; i < pat.size(); ++i) {
        if (!pat[i].empty() && pat[i].front() == ':') {
            if (segs[i].empty())
                return false;
            params.emplace_back(pat[i].substr(1), percent_decode(segs[i]));
        } else if (pat[i] != segs[i]) {
            return false;
        }
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
    for (std::size_t i = 0; i < routes_.size(); ++i) {
        const route& r = routes_[i];
        // Captured names view into the pattern, which outlives the match.
        if (!match_pattern(r.pattern, path, out.params))
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

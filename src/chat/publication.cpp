#include "chat/publication.hpp"

#include <algorithm>

namespace senna::chat {

namespace {

void append_holes(holes&& h, std::vector<std::string>& out) {
    std::string slots;
    for (slot s : h.slots)
        slots += static_cast<char>(s);
    out.push_back(std::move(slots));
    for (auto& piece : h.pieces)
        out.push_back(std::move(piece));
}

} // namespace

void append_args(publishing&& out, std::vector<std::string>& keys, std::vector<std::string>& args) {
    const std::size_t first = keys.size();
    args.reserve(args.size() + 4 + 16 * out.publications.size()); // at most 16 each, as a rule
    args.push_back(std::move(out.check.listeners));
    args.push_back(std::move(out.check.self));
    args.push_back(std::move(out.check.adapters));
    auto& pubs = out.publications;
    args.push_back(std::to_string(pubs.size()));
    bool same_as_last = false; // whether a publication before gave its min id and fields
    std::size_t last_min = 0, last_count = 0;
    std::ptrdiff_t last_fields = 0;
    for (auto& p : pubs) {
        std::size_t log = 0; // KEYS index, 1-based
        if (!p.log.empty()) {
            auto it =
                std::find(keys.begin() + static_cast<std::ptrdiff_t>(first), keys.end(), p.log);
            if (it == keys.end())
                it = keys.insert(keys.end(), std::move(p.log));
            log = static_cast<std::size_t>(it - keys.begin()) + 1;
        }
        args.push_back(std::to_string(log));
        // Every publication of a write is usually logged alike: the same trim id and fields
        // (the instance's uid, nsp, type). "=" says so instead of repeating them.
        if (same_as_last && p.log_min_id == args[last_min] &&
            std::equal(p.fields.begin(), p.fields.end(), args.begin() + last_fields,
                       args.begin() + last_fields + static_cast<std::ptrdiff_t>(last_count))) {
            args.emplace_back();
            args.emplace_back("=");
        } else {
            last_min = args.size();
            args.push_back(std::move(p.log_min_id));
            args.push_back(std::to_string(p.fields.size()));
            last_fields = static_cast<std::ptrdiff_t>(args.size());
            last_count = p.fields.size();
            for (auto& f : p.fields)
                args.push_back(std::move(f));
            same_as_last = true;
        }
        append_holes(std::move(p.entry), args);
        args.push_back(std::move(p.channel));
        append_holes(std::move(p.bytes), args);
    }
}

} // namespace senna::chat

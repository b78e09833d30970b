#include "chat/publication.hpp"

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

void append_args(std::vector<publication>&& pubs, std::vector<std::string>& out) {
    out.push_back(std::to_string(pubs.size()));
    for (auto& p : pubs) {
        out.push_back(std::move(p.log));
        out.push_back(std::move(p.log_min_id));
        out.push_back(std::to_string(p.fields.size()));
        for (auto& f : p.fields)
            out.push_back(std::move(f));
        append_holes(std::move(p.entry), out);
        out.push_back(std::move(p.channel));
        append_holes(std::move(p.bytes), out);
    }
}

} // namespace senna::chat

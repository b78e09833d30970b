#include "chat/publication.hpp"

namespace senna::chat {

namespace {

void append_holes(const holes& h, std::vector<std::string>& out) {
    std::string slots;
    for (slot s : h.slots)
        slots += static_cast<char>(s);
    out.push_back(std::move(slots));
    for (const auto& piece : h.pieces)
        out.push_back(piece);
}

} // namespace

void append_args(const std::vector<publication>& pubs, std::vector<std::string>& out) {
    out.push_back(std::to_string(pubs.size()));
    for (const auto& p : pubs) {
        out.push_back(p.log);
        out.push_back(p.log_min_id);
        out.push_back(std::to_string(p.fields.size()));
        for (const auto& f : p.fields)
            out.push_back(f);
        append_holes(p.entry, out);
        out.push_back(p.channel);
        append_holes(p.bytes, out);
    }
}

} // namespace senna::chat

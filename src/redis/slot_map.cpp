#include "redis/slot_map.hpp"

#include <charconv>

namespace senna::redis {

namespace {

using ranges_result = boost::system::result<std::vector<slot_range>, std::string>;

std::optional<std::uint16_t> slot_of(const reply& r) {
    auto v = r.as_integer();
    if (!v || *v < 0 || *v >= slot_count)
        return std::nullopt;
    return static_cast<std::uint16_t>(*v);
}

std::optional<std::uint16_t> port_of(const reply& r) {
    auto v = r.as_integer();
    if (!v || *v <= 0 || *v > 65535)
        return std::nullopt;
    return static_cast<std::uint16_t>(*v);
}

// A RESP2 map (a flat array of name, value, ...): the value of `name`, or nullptr.
const reply* field(const reply& map, std::string_view name) {
    if (!map.is_array())
        return nullptr;
    for (std::size_t i = 0; i + 1 < map.elements.size(); i += 2)
        if (map.elements[i].as_string() == name)
            return &map.elements[i + 1];
    return nullptr;
}

std::string host_or(std::string_view announced, const node_address& asked) {
    if (announced.empty() || announced == "?")
        return asked.host;
    return std::string(announced);
}

} // namespace

ranges_result parse_cluster_shards(const reply& r, const node_address& asked) {
    if (!r.is_array())
        return std::string("CLUSTER SHARDS: not an array");
    std::vector<slot_range> out;
    for (const auto& shard : r.elements) {
        const reply* slots = field(shard, "slots");
        const reply* nodes = field(shard, "nodes");
        if (slots == nullptr || nodes == nullptr || !slots->is_array() || !nodes->is_array() ||
            slots->elements.size() % 2 != 0)
            return std::string("CLUSTER SHARDS: a shard without slots and nodes");
        const reply* master = nullptr;
        unsigned replicas = 0;
        for (const auto& node : nodes->elements) {
            const reply* role = field(node, "role");
            const reply* health = field(node, "health");
            if (role != nullptr && role->as_string() == "master" &&
                (health == nullptr || health->as_string() != "failed"))
                master = &node;
            else if (role != nullptr && role->as_string() == "replica" &&
                     (health == nullptr || health->as_string() != "failed"))
                ++replicas; // "loading" too: a replica that has written nothing yet says so
        }
        if (master == nullptr || slots->elements.empty())
            continue; // a shard without slots, or whose master failed: no owner until failover
        const reply* port = field(*master, "port");
        const reply* endpoint = field(*master, "endpoint");
        const reply* ip = field(*master, "ip");
        auto p = port != nullptr ? port_of(*port) : std::nullopt;
        if (!p)
            return std::string("CLUSTER SHARDS: a master without a port");
        std::string_view announced = endpoint != nullptr ? endpoint->as_string() : "";
        if ((announced.empty() || announced == "?") && ip != nullptr)
            announced = ip->as_string();
        node_address addr{host_or(announced, asked), *p};
        for (std::size_t i = 0; i < slots->elements.size(); i += 2) {
            auto first = slot_of(slots->elements[i]);
            auto last = slot_of(slots->elements[i + 1]);
            if (!first || !last || *first > *last)
                return std::string("CLUSTER SHARDS: a bad slot range");
            out.push_back({*first, *last, addr, replicas});
        }
    }
    return out;
}

ranges_result parse_cluster_slots(const reply& r, const node_address& asked) {
    if (!r.is_array())
        return std::string("CLUSTER SLOTS: not an array");
    std::vector<slot_range> out;
    for (const auto& entry : r.elements) {
        if (!entry.is_array() || entry.elements.size() < 3 || !entry.elements[2].is_array() ||
            entry.elements[2].elements.size() < 2)
            return std::string("CLUSTER SLOTS: a bad entry");
        auto first = slot_of(entry.elements[0]);
        auto last = slot_of(entry.elements[1]);
        const auto& master = entry.elements[2].elements;
        auto port = port_of(master[1]);
        if (!first || !last || *first > *last || !port)
            return std::string("CLUSTER SLOTS: a bad entry");
        out.push_back({*first,
                       *last,
                       {host_or(master[0].as_string(), asked), *port},
                       static_cast<unsigned>(entry.elements.size() - 3)});
    }
    return out;
}

std::optional<redirect> parse_redirect(std::string_view text) {
    redirect out;
    if (text.starts_with("MOVED "))
        text.remove_prefix(6);
    else if (text.starts_with("ASK ")) {
        out.ask = true;
        text.remove_prefix(4);
    } else
        return std::nullopt;
    auto space = text.find(' ');
    if (space == std::string_view::npos)
        return std::nullopt;
    unsigned slot = 0;
    auto slot_text = text.substr(0, space);
    auto [p, ec] = std::from_chars(slot_text.data(), slot_text.data() + slot_text.size(), slot);
    if (ec != std::errc() || p != slot_text.data() + slot_text.size() || slot >= slot_count)
        return std::nullopt;
    std::string_view addr = text.substr(space + 1);
    auto colon = addr.rfind(':');
    if (colon == std::string_view::npos)
        return std::nullopt;
    unsigned port = 0;
    auto port_text = addr.substr(colon + 1);
    auto [pp, pec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (pec != std::errc() || pp != port_text.data() + port_text.size() || port == 0 ||
        port > 65535)
        return std::nullopt;
    std::string_view host = addr.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    out.slot = static_cast<std::uint16_t>(slot);
    out.to = {std::string(host), static_cast<std::uint16_t>(port)};
    return out;
}

} // namespace senna::redis

#pragma once
// A Redis Cluster's topology as the cluster client needs it (ADR 0013 §4): which master serves
// each of the 16384 hash slots, read from CLUSTER SHARDS (Redis 7) or CLUSTER SLOTS, and the
// MOVED / ASK redirections that correct it. No I/O.

#include "redis/endpoint.hpp"
#include "redis/reply.hpp"
#include "redis/slot.hpp"

#include <boost/system/result.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace senna::redis {

/** Slots first..last (inclusive) are served by `master`, which has `replicas` replicas that
    are not failed. */
struct slot_range {
    std::uint16_t first = 0;
    std::uint16_t last = 0;
    node_address master;
    unsigned replicas = 0;
};

/**
 * The ranges of a CLUSTER SHARDS reply: each shard's slots, served by its master whose health is
 * not "failed", with the count of its replicas whose health is not "failed" either. An empty or "?"
 * endpoint is the node that answered (`asked`). A message if the reply is not CLUSTER SHARDS's
 * shape.
 */
boost::system::result<std::vector<slot_range>, std::string>
parse_cluster_shards(const reply& r, const node_address& asked);

/** The same from a CLUSTER SLOTS reply (Redis < 7, or a server that refused CLUSTER SHARDS):
    the replicas it lists after the master. */
boost::system::result<std::vector<slot_range>, std::string>
parse_cluster_slots(const reply& r, const node_address& asked);

/** A `MOVED <slot> <host>:<port>` or `ASK <slot> <host>:<port>` error reply. */
struct redirect {
    bool ask = false;
    std::uint16_t slot = 0;
    /** An empty host means the host of the node that sent it. */
    node_address to;
};

/** The redirection in an error reply's text; nullopt for any other error. */
std::optional<redirect> parse_redirect(std::string_view error_text);

/** Which node index serves each slot; `none` where no master is known. */
class slot_map {
public:
    static constexpr std::uint16_t none = 0xffff;

    slot_map() { owner_.fill(none); }

    /** Replaces the whole map with `ranges`; node indexes come from `index_of(address)`. */
    template <class IndexOf> void assign(const std::vector<slot_range>& ranges, IndexOf index_of) {
        owner_.fill(none);
        for (const auto& r : ranges) {
            std::uint16_t n = index_of(r.master);
            for (std::uint32_t s = r.first; s <= r.last && s < slot_count; ++s)
                owner_[s] = n;
        }
        loaded_ = true;
    }

    void set(std::uint16_t slot, std::uint16_t node) noexcept {
        if (slot < slot_count)
            owner_[slot] = node;
    }
    std::uint16_t owner(std::uint16_t slot) const noexcept { return owner_[slot % slot_count]; }
    /** True once a whole map was assigned. */
    bool loaded() const noexcept { return loaded_; }

private:
    std::array<std::uint16_t, slot_count> owner_{};
    bool loaded_ = false;
};

} // namespace senna::redis

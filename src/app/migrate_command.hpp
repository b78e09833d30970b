#pragma once
// `senna migrate --from URL --to URL`: copies a seed-layout deployment (SPEC §4's key names)
// into the cluster layout (docs/adr/0012-cluster-key-layout.md) on another Redis, while the
// seed-layout senna keeps running on the source. Each key is copied whole (DUMP, then RESTORE
// under its new name with its TTL, REPLACE), then its size is compared (LLEN, HLEN, ZCARD,
// SCARD, XLEN, STRLEN) and the key copied again when the source changed meanwhile. The SCAN
// cursor is kept in the target after every batch, so an interrupted run resumes where it
// stopped; --restart starts over. Presence counts and the instance registry are not copied
// (the instances on the target rebuild them). The cut-over is in docs/storage.md.

#include "config/load.hpp"

#include <string>
#include <vector>

namespace senna::app {

struct migrate_outcome {
    int status = 0;  // 0 copied and verified; 1 Redis failed or sizes still differ; 2 arguments
    std::string out; // the progress and the summary
    std::string err; // one line "senna migrate: ..." when status != 0
};

/** `args`: what follows "migrate" on the command line. SOCK_REDIS_PREFIX and
    SOCK_DOMAIN_HANDLE come from `env` (the deployment's). */
migrate_outcome migrate_command(const std::vector<std::string>& args,
                                const config::env_lookup& env);

std::string migrate_usage();

} // namespace senna::app

#!/usr/bin/env bash
# senna against the Node.js peer (../shared/bench/peer-node), side by side, with the shared
# harness (../shared/bench: compare.sh, rest.sh, realtime.js, redis-limit.sh), then the table of
# issue 6's goals with their ratios (bench/goals.mjs). Not part of CI.
#
#   bench/compare.sh            full run (about 25 min: 2 repetitions, alternating A/B)
#   bench/compare.sh --quick    small sizes, 1 repetition (under 5 min)
#   REPEAT=3 bench/compare.sh   more repetitions; SCENARIOS="rest delivery" for a subset
#
# It installs what the harness needs (Debian packages by name, the harness's npm lock), builds
# senna in Release, measures Redis's own ceiling (redis-limit.sh, the denominator of the send
# goal), then runs the scenarios against a fresh private Redis, senna (A) and the peer (B)
# alternating. Raw lines and the tables go to bench/results/ (gitignored).
#
# senna runs with its abuse limits off (the harness sends as few users, fast) and logs at warn
# (the peer writes no access log either).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
shared=$(cd "$root/../shared/bench" 2>/dev/null && pwd) || {
    echo "bench/compare.sh: the shared harness ../shared/bench is missing" >&2
    exit 2
}
quick=0
[[ ${1:-} == --quick ]] && quick=1
repeat=${REPEAT:-$((quick ? 1 : 2))}
scenarios=${SCENARIOS:-rest delivery fanout idle}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$root/bench/results/compare-$stamp"
mkdir -p "$root/bench/results"
started=$(date +%s)
step() { printf '\n== [%s, +%ds] %s\n' "$(date +%H:%M:%S)" $(($(date +%s) - started)) "$*"; }

step "1/5 installing what the harness needs"
need=()
for cmd in wrk:wrk redis-server:redis-server redis-cli:redis-tools ss:iproute2 curl:curl taskset:util-linux; do
    command -v "${cmd%%:*}" >/dev/null || need+=("${cmd#*:}")
done
if ((${#need[@]})); then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
[[ -d $shared/node_modules ]] || (cd "$shared" && npm ci --no-audit --no-fund)
(cd "$shared/peer-node" && { [[ -f node_modules/.package-lock.json ]] || npm ci --no-audit --no-fund; })

step "2/5 building senna (Release)"
scripts/install-deps.sh >/dev/null
scripts/build.sh release | tail -1
senna_cmd="env SOCK_LOG_LEVEL=warn SOCK_DEMO=0 SOCK_RATE_SEND_PER_SEC=0 SOCK_RATE_EVENTS_PER_SEC=0 SOCK_MAX_SOCKETS_PER_USER=0 SOCK_MAX_TOPICS_PER_SOCKET=0 $root/build/release/senna"

step "3/5 Redis's own ceiling (redis-limit.sh, p1 only)"
PIPELINES=1 DURATION=$((quick ? 3 : 5)) "$shared/redis-limit.sh" | tee "$out.redis-limit.txt"

step "4/5 senna (A) against the Node peer (B): $scenarios, repeat $repeat"
if ((quick)); then
    args=(--quick)
    # quick: one delivery rate beyond the peer's saturation too
    export DELIV_RATE=${DELIV_RATE:-100 1000}
else
    args=()
    # the peer's comfortable rate, then ten times the rate at which it saturates (~500/s)
    export DELIV_RATE=${DELIV_RATE:-200 5000}
    export FANOUT_RATE=${FANOUT_RATE:-20 50}
    export IDLE_CONNS=${IDLE_CONNS:-19000} IDLE_PER_IP=${IDLE_PER_IP:-7000}
    export REST_SCENARIOS=${REST_SCENARIOS:-send history list}
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
"$shared/compare.sh" "${args[@]}" --repeat "$repeat" --scenarios "$scenarios" \
    --a-name senna --b-name node --out "$out.txt" "$senna_cmd" "$shared/peer-node/start.sh"

step "5/5 the goals of issue 6"
node "$root/bench/goals.mjs" "$out.txt" "$out.redis-limit.txt" | tee "$out.goals.txt"
step "done: bench/results/compare-$stamp.{txt,txt.table,redis-limit.txt,goals.txt}"

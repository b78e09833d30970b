#!/usr/bin/env bash
# Instructions per REST request, with callgrind (stable on a noisy machine, unlike time):
# a private redis-server and the Release senna (one shard) under valgrind, a warm-up, counters
# zeroed, then wrk for DURATION seconds, and Ir ÷ requests. The profile stays in
# bench/results/callgrind-<scenario>.out* for callgrind_annotate --inclusive=yes.
#   bench/profile.sh send            POST /api/user/:id, random pairs of 1000 users
#   bench/profile.sh history|list    GET a seeded 1000-message DM / 200-chat inbox
#   bench/profile.sh fanout          1000 sockets in one topic, 5 topic messages a second for
#                                    DURATION s (bench/loadgen): Ir per delivery
# The environment reaches senna: SOCK_RECOVERY_WINDOW_MS=0 bench/profile.sh send measures
# without connection state recovery (bench/RESULTS.md, issue 14).
# Needs ../shared/bench (wrk script, tokens, seeding), valgrind, wrk, redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
shared=$(cd ../shared/bench && pwd)
scenario=${1:-send}
duration=${DURATION:-15}
out=$root/bench/results/callgrind-$scenario.out
mkdir -p bench/results && rm -f "$out"*
[[ -x build/release/senna ]] || scripts/build.sh release
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
rport=$(free_port) hport=$(free_port)
work=$(mktemp -d)
redis-server --port "$rport" --save '' --appendonly no --dir "$work" >/dev/null &
redis_pid=$!
trap 'kill "${senna_pid:-0}" "$redis_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
env SOCK_HTTP_HOST=127.0.0.1 SOCK_HTTP_PORT="$hport" SOCK_REDIS_HOST=127.0.0.1 SOCK_REDIS_PORT="$rport" \
    SOCK_LOG_LEVEL=warn SOCK_THREADS=1 SOCK_RATE_SEND_PER_SEC=0 SOCK_DEMO=0 \
    SOCK_RATE_EVENTS_PER_SEC=0 SOCK_MAX_SOCKETS_PER_USER=0 \
    valgrind --tool=callgrind --callgrind-out-file="$out" build/release/senna >"$work/senna.log" 2>&1 &
senna_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$hport/healthz" >/dev/null && break; sleep 0.3; done
url=http://127.0.0.1:$hport
node "$shared/lib/jwt.js" file "$work/tokens" 1000 1000
case $scenario in
send) args=(send "$work/tokens") ;;
history) node "$shared/lib/seed.js" "$url" history >&2
    args=(get /api/user/900002 "$(node "$shared/lib/jwt.js" token 900001)") ;;
list) node "$shared/lib/seed.js" "$url" list >&2
    args=(get /api/list "$(node "$shared/lib/jwt.js" token 900003)") ;;
fanout) [[ -x build/loadgen/senna-loadgen ]] || bench/loadgen/build.sh >/dev/null ;;
*) echo "usage: $0 send|history|list|fanout" >&2; exit 2 ;;
esac
if [[ $scenario == fanout ]]; then
    # Sockets connect and join, a warm-up, then the counters are zeroed when the generator
    # starts measuring (its "measuring" line) and dumped once it is done.
    build/loadgen/senna-loadgen fanout --url "$url" --pid "$senna_pid" --sockets 1000 --rate 5 \
        --duration "$duration" --warmup 5 --grace 20 --connect-timeout 60 >"$work/lg" 2>"$work/lg.err" &
    lg=$!
    until grep -q measuring "$work/lg.err"; do sleep 0.05; done
    callgrind_control -z "$senna_pid" >/dev/null
    wait "$lg"
    callgrind_control -d "$senna_pid" >/dev/null
    delivered=$(grep -o ' delivered=[0-9]*' "$work/lg" | cut -d= -f2)
    ir=$(grep -h '^summary:' "$out".* | sort -k2 -n | tail -1 | cut -d' ' -f2)
    echo "profile.fanout $(grep -o 'lost=[0-9]*' "$work/lg") delivered=$delivered Ir=$ir" \
        "Ir_per_delivery=$((ir / delivered)) out=${out#"$root"/}.1"
    exit 0
fi
wrk -t1 -c16 -d8 -s "$shared/wrk/bench.lua" "$url" -- "${args[@]}" >/dev/null # warm-up (token cache)
callgrind_control -z "$senna_pid" >/dev/null
result=$(wrk -t1 -c16 -d"$duration" -s "$shared/wrk/bench.lua" "$url" -- "${args[@]}" | grep WRKRESULT)
callgrind_control -d "$senna_pid" >/dev/null
requests=$(grep -o 'requests=[0-9]*' <<<"$result" | cut -d= -f2)
ir=$(grep -h '^summary:' "$out".* | sort -k2 -n | tail -1 | cut -d' ' -f2)
echo "profile.$scenario requests=$requests Ir=$ir Ir_per_req=$((ir / requests)) out=${out#"$root"/}.1"

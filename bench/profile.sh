#!/usr/bin/env bash
# Instructions per REST request, with callgrind (stable on a noisy machine, unlike time):
# a private redis-server and the Release senna (one shard) under valgrind, a warm-up, counters
# zeroed, then wrk for DURATION seconds, and Ir ÷ requests. The profile stays in
# bench/results/callgrind-<scenario>.out* for callgrind_annotate --inclusive=yes.
#   bench/profile.sh send            POST /api/user/:id, random pairs of 1000 users
#   bench/profile.sh history|list    GET a seeded 1000-message DM / 200-chat inbox
#   bench/profile.sh send_plain|send_cmid   sends from bench/wrk/log.lua without / with a
#                                    client_msg_id (the same generator otherwise)
#   bench/profile.sh history_before|unread  GET ?before&limit=10 of that DM / GET /api/unread
#   bench/profile.sh history_pipelined  the history page, 16 requests pipelined per write
#                                    (bench/wrk/pipeline.lua)
#   bench/profile.sh fanout          1000 sockets in one topic, 5 topic messages a second for
#                                    DURATION s (bench/loadgen): Ir per delivery
# The environment reaches senna: SOCK_RECOVERY_WINDOW_MS=0 bench/profile.sh send measures
# without connection state recovery (bench/RESULTS.md, issue 14).
# SENNA_BIN profiles another binary (default build/release/senna, built when missing);
# SENNA_PRELOAD=/path/lib.so runs it with LD_PRELOAD (another malloc: docs/adr/0010-allocator.md).
# REDIS_CALLGRIND=1 runs the redis-server under callgrind too and adds Redis's instructions per
# request (redis_Ir_per_req): what a request costs Redis, as repeatable as senna's count.
# Needs ../shared/bench (wrk script, tokens, seeding), valgrind, wrk, redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
shared=$(cd ../shared/bench && pwd)
scenario=${1:-send}
duration=${DURATION:-15}
out=$root/bench/results/callgrind-$scenario.out
mkdir -p bench/results && rm -f "$out"*
bin=${SENNA_BIN:-build/release/senna}
[[ -n ${SENNA_BIN:-} || -x $bin ]] || scripts/build.sh release
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
rport=$(free_port) hport=$(free_port)
work=$(mktemp -d)
redis_out=$root/bench/results/callgrind-redis-$scenario.out
rm -f "$redis_out"*
redis_cmd=(redis-server --port "$rport" --save '' --appendonly no --dir "$work")
[[ ${REDIS_CALLGRIND:-0} == 1 ]] && redis_cmd=(valgrind --tool=callgrind --callgrind-out-file="$redis_out" "${redis_cmd[@]}")
"${redis_cmd[@]}" >/dev/null 2>&1 &
redis_pid=$!
for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.3; done
trap 'kill "${senna_pid:-0}" "$redis_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
env SOCK_HTTP_HOST=127.0.0.1 SOCK_HTTP_PORT="$hport" SOCK_REDIS_HOST=127.0.0.1 SOCK_REDIS_PORT="$rport" \
    SOCK_LOG_LEVEL=warn SOCK_THREADS=1 SOCK_RATE_SEND_PER_SEC=0 SOCK_DEMO=0 \
    SOCK_RATE_EVENTS_PER_SEC=0 SOCK_MAX_SOCKETS_PER_USER=0 \
    ${SENNA_PRELOAD:+LD_PRELOAD=$SENNA_PRELOAD} valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" >"$work/senna.log" 2>&1 &
senna_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$hport/healthz" >/dev/null && break; sleep 0.3; done
url=http://127.0.0.1:$hport
node "$shared/lib/jwt.js" file "$work/tokens" 1000 1000
script=$shared/wrk/bench.lua
case $scenario in
send) args=(send "$work/tokens") ;;
send_plain | send_cmid) script=$root/bench/wrk/log.lua args=("$work/tokens" "${scenario#send_}") ;;
history | history_before) node "$shared/lib/seed.js" "$url" history >&2
    path=/api/user/900002
    [[ $scenario == history_before ]] && path="$path?before&limit=10"
    args=(get "$path" "$(node "$shared/lib/jwt.js" token 900001)") ;;
history_pipelined) node "$shared/lib/seed.js" "$url" history >&2
    script=$root/bench/wrk/pipeline.lua args=(/api/user/900002 "$(node "$shared/lib/jwt.js" token 900001)" 16) ;;
list | unread) node "$shared/lib/seed.js" "$url" list >&2
    args=(get "/api/$scenario" "$(node "$shared/lib/jwt.js" token 900003)") ;;
fanout) [[ -x build/loadgen/senna-loadgen ]] || bench/loadgen/build.sh >/dev/null ;;
*) echo "usage: $0 send|history|list|send_plain|send_cmid|history_before|history_pipelined|unread|fanout" >&2; exit 2 ;;
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
wrk -t1 -c16 -d8 -s "$script" "$url" -- "${args[@]}" >/dev/null # warm-up (token cache)
callgrind_control -z "$senna_pid" >/dev/null
[[ ${REDIS_CALLGRIND:-0} == 1 ]] && callgrind_control -z "$redis_pid" >/dev/null
result=$(wrk -t1 -c16 -d"$duration" -s "$script" "$url" -- "${args[@]}" | grep WRKRESULT)
callgrind_control -d "$senna_pid" >/dev/null
requests=$(grep -o 'requests=[0-9]*' <<<"$result" | cut -d= -f2)
ir=$(grep -h '^summary:' "$out".* | sort -k2 -n | tail -1 | cut -d' ' -f2)
line="profile.$scenario requests=$requests Ir=$ir Ir_per_req=$((ir / requests))"
if [[ ${REDIS_CALLGRIND:-0} == 1 ]]; then
    callgrind_control -d "$redis_pid" >/dev/null
    rir=$(grep -h '^summary:' "$redis_out".* | sort -k2 -n | tail -1 | cut -d' ' -f2)
    line="$line redis_Ir_per_req=$((rir / requests))"
fi
echo "$line out=${out#"$root"/}.1"

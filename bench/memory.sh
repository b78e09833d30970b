#!/usr/bin/env bash
# Memory of the Release senna under one allocator (docs/adr/0010-allocator.md), in two runs on
# a fresh server and a private redis-server each:
#   idle  senna-loadgen idle: RSS per idle WebSocket connection (CONNS of them, each its own
#         user), and the RSS left 2 s after they close
#   rest  RSS before and after wrk sends DMs (bench/wrk/log.lua, c64, DURATION seconds), and
#         the requests sent
#   bench/memory.sh [CONNS]        CONNS defaults to 8000; DURATION to 20
# SENNA_BIN (default build/release/senna) and SENNA_PRELOAD (LD_PRELOAD, e.g. Debian's
# libjemalloc.so.2) choose what is measured. Prints one "memory.idle" and one "memory.rest" line.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=$(cd ../shared/bench && pwd)
conns=${1:-8000}
duration=${DURATION:-20}
bin=$(realpath "${SENNA_BIN:-build/release/senna}")
[[ -x $bin ]] || { echo "memory.sh: no $bin (scripts/build.sh release)" >&2; exit 2; }
loadgen=build/loadgen/senna-loadgen
[[ -x $loadgen ]] || bench/loadgen/build.sh >/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
work=$(mktemp -d)
redis_pid='' senna_pid=''
stop() {
    [[ -n $senna_pid ]] && kill "$senna_pid" 2>/dev/null && wait "$senna_pid" 2>/dev/null
    [[ -n $redis_pid ]] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    senna_pid='' redis_pid=''
}
trap 'stop; rm -rf "$work"' EXIT
start() {
    local rport hport
    rport=$(free_port) hport=$(free_port)
    redis-server --port "$rport" --save '' --appendonly no --dir "$work" >/dev/null 2>&1 &
    redis_pid=$!
    for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.2; done
    env SOCK_HTTP_HOST=127.0.0.1 SOCK_HTTP_PORT="$hport" SOCK_REDIS_HOST=127.0.0.1 \
        SOCK_REDIS_PORT="$rport" SOCK_LOG_LEVEL=warn SOCK_DEMO=0 SOCK_RATE_SEND_PER_SEC=0 \
        SOCK_RATE_EVENTS_PER_SEC=0 SOCK_MAX_SOCKETS_PER_USER=0 SOCK_MAX_TOPICS_PER_SOCKET=0 \
        ${SENNA_PRELOAD:+LD_PRELOAD=$SENNA_PRELOAD} "$bin" >"$work/senna.log" 2>&1 &
    senna_pid=$!
    url=http://127.0.0.1:$hport
    for _ in $(seq 100); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.2; done
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$senna_pid/status"; }

start
"$loadgen" idle --url "$url" --pid "$senna_pid" --conns "$conns" --settle 5 --quiet |
    sed 's/^/memory.idle /'
stop

start
node "$shared/lib/jwt.js" file "$work/tokens" 1000 1000
sleep 1
before=$(rss_kb)
result=$(wrk -t1 -c64 -d"$duration" -s bench/wrk/log.lua "$url" -- "$work/tokens" plain | grep WRKRESULT)
sleep 2
echo "memory.rest rss_before_kb=$before rss_after_kb=$(rss_kb)" \
    "requests=$(grep -o 'requests=[0-9]*' <<<"$result" | cut -d= -f2)"

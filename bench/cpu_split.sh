#!/usr/bin/env bash
# senna's CPU per REST send split into user and system time (/proc/<pid>/stat), with Redis's
# CPU per send beside it: wrk alone against a private redis-server and the Release senna, 64
# connections (bench/wrk/log.lua, sends without client_msg_id), a 3 s warm-up, then DURATION
# seconds (default 10). Where bench/compare.sh gives one CPU figure per send, this says how much
# of it is the kernel's (the socket calls) and not senna's own instructions.
#   SENNA_BIN=<binary> bench/cpu_split.sh
set -euo pipefail
cd "$(dirname "$0")/.."
shared=$(cd ../shared/bench && pwd)
bin=${SENNA_BIN:-build/release/senna}
[[ -n ${SENNA_BIN:-} || -x $bin ]] || scripts/build.sh release
duration=${DURATION:-10}
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
rport=$(free_port) hport=$(free_port)
work=$(mktemp -d)
redis-server --port "$rport" --save '' --appendonly no --dir "$work" >/dev/null 2>&1 &
rpid=$!
for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.2; done
env SOCK_HTTP_HOST=127.0.0.1 SOCK_HTTP_PORT="$hport" SOCK_REDIS_HOST=127.0.0.1 SOCK_REDIS_PORT="$rport" \
    SOCK_LOG_LEVEL=warn SOCK_RATE_SEND_PER_SEC=0 SOCK_DEMO=0 SOCK_RATE_EVENTS_PER_SEC=0 SOCK_MAX_SOCKETS_PER_USER=0 \
    "$bin" >"$work/senna.log" 2>&1 &
spid=$!
trap 'kill $spid $rpid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$hport/healthz" >/dev/null && break; sleep 0.2; done
node "$shared/lib/jwt.js" file "$work/tokens" 1000 1000
wrk -t2 -c64 -d3s -s bench/wrk/log.lua "http://127.0.0.1:$hport" -- "$work/tokens" plain >/dev/null
read -r u0 s0 < <(awk '{print $14, $15}' /proc/$spid/stat)
ru0=$(awk '{print $14+$15}' /proc/$rpid/stat)
out=$(wrk -t2 -c64 -d${duration}s -s bench/wrk/log.lua "http://127.0.0.1:$hport" -- "$work/tokens" plain)
read -r u1 s1 < <(awk '{print $14, $15}' /proc/$spid/stat)
ru1=$(awk '{print $14+$15}' /proc/$rpid/stat)
reqs=$(echo "$out" | awk '/requests in/{print $1}')
tck=$(getconf CLK_TCK)
echo "$out" | grep -E "Requests/sec|Latency"
python3 -c "
r, t = $reqs, $tck
print('cpu_split sends=%d user_us_per_send=%.1f sys_us_per_send=%.1f redis_us_per_send=%.1f' % (
    r, ($u1 - $u0) / t * 1e6 / r, ($s1 - $s0) / t * 1e6 / r, ($ru1 - $ru0) / t * 1e6 / r))"

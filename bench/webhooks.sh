#!/usr/bin/env bash
# Webhooks' costs (issue 16), with wrk against the Release senna, a private redis-server and a
# local receiver that answers 200 at once (bench/webhook-receiver.mjs):
#   *.dm / *.topic10         POST /api/user/:id (a recipient with no socket: one message.new each)
#                            and POST /api/topic/hooks-bench (10 members, none connected: ten),
#                            with webhooks off; on with the receiver unreachable (the write path
#                            alone: events queue up); on (the same instance delivers meanwhile,
#                            as far as it keeps up): requests/s, p99, senna CPU, Redis CPU and
#                            commands per send, the send script's own Redis time (commandstats)
#   drain                    EVENTS events XADDed to the stream while senna is down, then the
#                            time one instance takes to deliver them all, at concurrency 16 and
#                            64: deliveries/s, senna and Redis CPU per delivery
# Usage: bench/webhooks.sh    (DURATION=10 CONNS=32 REPEAT=2 EVENTS=20000 SOCK_THREADS=2)
#        bench/webhooks.sh ir (the same costs in instructions, with callgrind on both senna, one
#                              shard, and redis-server: stable on a noisy machine; DURATION=15
#                              EVENTS=2000)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
shared=$(cd ../shared/bench && pwd)
# shellcheck source=/dev/null
. "$shared/lib/common.sh"
duration=${DURATION:-10}
conns=${CONNS:-32}
repeat=${REPEAT:-2}
events=${EVENTS:-20000}
threads=${SOCK_THREADS:-2}
redis_grind=()
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
[[ -x build/release/senna ]] || scripts/build.sh release
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
rport=$(free_port) hport=$(free_port) wport=$(free_port)
work=$(mktemp -d)
if [[ ${1:-} == ir ]]; then
    redis_grind=(valgrind --tool=callgrind --callgrind-out-file="$work/redis.cg")
    duration=${DURATION:-15} events=${EVENTS:-2000} threads=1
fi
"${redis_grind[@]}" redis-server --port "$rport" --save '' --appendonly no --dir "$work" >/dev/null 2>&1 &
redis_pid=$!
node "$root/bench/webhook-receiver.mjs" "$wport" &
recv_pid=$!
senna_pid=
trap 'kill $senna_pid "$recv_pid" "$redis_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
wait_redis "$rport" 10
rc() { redis-cli -p "$rport" "$@"; }
P=senna-sockets:messages:myplatform
url=http://127.0.0.1:$hport

mode=${1:-time}
grind=() # the ir mode runs senna under callgrind
start_senna() { # extra env assignments...
    env SOCK_HTTP_HOST=127.0.0.1 SOCK_HTTP_PORT="$hport" SOCK_REDIS_HOST=127.0.0.1 \
        SOCK_REDIS_PORT="$rport" SOCK_LOG_LEVEL=warn SOCK_THREADS="$threads" \
        SOCK_RATE_SEND_PER_SEC=0 SOCK_DEMO=0 "$@" "${grind[@]}" build/release/senna >>"$work/senna.log" 2>&1 &
    senna_pid=$!
    wait_http "$url" 60 || { echo "webhooks.sh: senna did not start" >&2; cat "$work/senna.log" >&2; exit 1; }
}
stop_senna() { kill "$senna_pid"; wait "$senna_pid" 2>/dev/null || true; senna_pid=; }
hooks_env=(SOCK_WEBHOOK_URL="http://127.0.0.1:$wport/hooks" SOCK_WEBHOOK_SECRET=bench-secret)

node "$shared/lib/jwt.js" file "$work/tokens" 1 1000
# The topic's members: 10 users, none of them connected (the sender may be one: then nine).
rc SADD "$P:topic:hooks-bench:members" 1 2 3 4 5 6 7 8 9 10 >/dev/null
echo "# bench/webhooks.sh commit=$(git rev-parse --short HEAD) conns=$conns duration=${duration}s threads=$threads cores=$(nproc)"

# The send script's Redis time so far: "calls usec" of EVALSHA.
evalsha_stats() { rc INFO commandstats | tr -d '\r' | awk -F'[:=,]' '$1 == "cmdstat_evalsha" { print $3, $5 }'; }
received() { curl -s "http://127.0.0.1:$wport/count"; }

# One wrk run after a warm-up: "name rps p99 senna-CPU/send Redis-CPU/send cmds/send
# script-us/call delivered".
measure() { # name mode
    local name=$1 mode=$2
    wrk -t1 -c"$conns" -d3s --timeout 5s -s "$root/bench/wrk/log.lua" "$url" -- "$work/tokens" "$mode" >/dev/null 2>&1 || true
    sleep 1
    local r0 r1 c0 c1 e0 e1 d0 d1 res
    r0=$(redis_counters 127.0.0.1 "$rport"); c0=$(proc_cpu_s "$senna_pid"); e0=$(evalsha_stats); d0=$(received)
    res=$(wrk -t1 -c"$conns" -d"${duration}s" --timeout 5s -s "$root/bench/wrk/log.lua" "$url" -- "$work/tokens" "$mode" | grep '^WRKRESULT')
    r1=$(redis_counters 127.0.0.1 "$rport"); c1=$(proc_cpu_s "$senna_pid"); e1=$(evalsha_stats); d1=$(received)
    awk -v name="$name" -v r0="$r0" -v r1="$r1" -v c0="$c0" -v c1="$c1" -v e0="$e0" -v e1="$e1" -v d0="$d0" -v d1="$d1" '
      { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
      END {
        n = v["requests"]; if (n < 1) n = 1; split(r0, a, " "); split(r1, b, " ")
        split(e0, x, " "); split(e1, y, " "); calls = y[1] - x[1]; if (calls < 1) calls = 1
        printf "%-14s rps=%7.1f p99_ms=%6.2f srv_cpu_us_per_send=%6.1f redis_cpu_us_per_send=%5.1f redis_cmds_per_send=%5.2f script_us_per_call=%5.1f delivered_per_send=%4.2f non2xx=%d\n",
          name, n / (v["duration_us"] / 1e6), v["p99_us"] / 1000, (c1 - c0) * 1e6 / n,
          (b[2] - a[2]) * 1e6 / n, (b[1] - a[1] - 1) / n, (y[2] - x[2]) / calls, (d1 - d0) / n, v["err_status"]
      }' <<<"$res"
}

# Sends come from bench/wrk/log.lua (plain: a random DM; topic: the 10-member topic).
# Each round: off; on with the receiver unreachable (events queue up, the instance holds its 16
# and retries them slowly: the write path alone); on with the receiver answering (the same
# instance delivers meanwhile, as far as it keeps up). The stream is emptied between phases.
phase() { # label env...
    local label=$1; shift
    start_senna "$@"
    measure "$label.dm" plain
    measure "$label.topic10" topic
    stop_senna
    rc DEL "$P:webhooks" >/dev/null
}
if [[ $mode == ir ]]; then
    # Instructions (Ir) of senna and of redis-server between two counter resets: per send, and
    # per delivery (senna's start-up subtracted: measured on an empty stream first).
    grind=(valgrind --tool=callgrind --callgrind-out-file="$work/senna.cg")
    ir_of() { grep -h '^summary:' "$1".* 2>/dev/null | awk '{ s += $2 } END { print s + 0 }'; }
    zero() { rm -f "$work"/senna.cg.* "$work"/redis.cg.*; callgrind_control -z "$senna_pid" >/dev/null 2>&1; callgrind_control -z "$redis_pid" >/dev/null 2>&1; }
    dump() { callgrind_control -d "$senna_pid" >/dev/null 2>&1; callgrind_control -d "$redis_pid" >/dev/null 2>&1; sleep 1; }
    ir_send() { # label mode env...
        local label=$1 m=$2; shift 2
        start_senna "$@"
        wrk -t1 -c8 -d5s --timeout 10s -s "$root/bench/wrk/log.lua" "$url" -- "$work/tokens" "$m" >/dev/null 2>&1 || true
        zero
        local res n
        res=$(wrk -t1 -c8 -d"${duration}s" --timeout 10s -s "$root/bench/wrk/log.lua" "$url" -- "$work/tokens" "$m" | grep '^WRKRESULT')
        dump
        n=$(grep -o 'requests=[0-9]*' <<<"$res" | cut -d= -f2)
        echo "ir.$label sends=$n senna_Ir_per_send=$(( $(ir_of "$work/senna.cg") / n )) redis_Ir_per_send=$(( $(ir_of "$work/redis.cg") / n ))"
        stop_senna
        rc DEL "$P:webhooks" >/dev/null
    }
    closed=(SOCK_WEBHOOK_URL=http://127.0.0.1:1/closed SOCK_WEBHOOK_MAX_ATTEMPTS=100)
    ir_send off.dm plain
    ir_send on.write.dm plain "${hooks_env[@]}" "${closed[@]}"
    ir_send off.topic10 topic
    ir_send on.write.topic10 topic "${hooks_env[@]}" "${closed[@]}"
    # Per delivery: senna running with an empty stream, counters zeroed, the events XADDed,
    # counters dumped once they are all delivered; Redis's cost of the XADDs themselves, measured
    # on a scratch stream, is subtracted.
    data='{"id":"0b5c7a52-3c1e-4a35-9c55-1b1b0c1b2d3e","author":1,"timestamp":{"epoch":1796548205544,"iso":"2026-12-06T09:10:05.544Z"},"type":"text","text":"a message of ordinary length, about eighty characters long...","chat":{"type":"user","id":1}}'
    fill='for i = 1, tonumber(ARGV[1]) do redis.call('"'XADD'"', KEYS[1], '"'*'"', '"'event'"', '"'message.new'"', '"'user'"', tostring(i), '"'data'"', ARGV[2], '"'seq'"', tostring(i)) end return 1'
    start_senna "${hooks_env[@]}"
    sleep 3
    zero; rc EVAL "$fill" 1 "$P:scratch" "$events" "$data" >/dev/null; dump
    xadd_redis=$(ir_of "$work/redis.cg")
    rc DEL "$P:scratch" >/dev/null
    d0=$(received)
    zero; rc EVAL "$fill" 1 "$P:webhooks" "$events" "$data" >/dev/null
    until [[ $(rc XLEN "$P:webhooks") == 0 ]]; do sleep 0.2; done
    sleep 1; dump
    echo "ir.delivery events=$events received=$(( $(received) - d0 )) senna_Ir_per_delivery=$(( $(ir_of "$work/senna.cg") / events )) redis_Ir_per_delivery=$(( ($(ir_of "$work/redis.cg") - xadd_redis) / events ))"
    stop_senna
    exit 0
fi

for _ in $(seq "$repeat"); do
    phase off
    phase on.write "${hooks_env[@]}" SOCK_WEBHOOK_URL=http://127.0.0.1:1/closed SOCK_WEBHOOK_MAX_ATTEMPTS=100
    phase on "${hooks_env[@]}"
done

# Deliveries per second: EVENTS events written while no senna runs, then one instance started.
drain() { # concurrency
    local conc=$1 data
    data='{"id":"0b5c7a52-3c1e-4a35-9c55-1b1b0c1b2d3e","author":1,"timestamp":{"epoch":1796548205544,"iso":"2026-12-06T09:10:05.544Z"},"type":"text","text":"a message of ordinary length, about eighty characters long...","chat":{"type":"user","id":1}}'
    rc EVAL "for i = 1, tonumber(ARGV[1]) do redis.call('XADD', KEYS[1], '*', 'event', 'message.new', 'user', tostring(i), 'data', ARGV[2], 'seq', tostring(i)) end return 1" 1 "$P:webhooks" "$events" "$data" >/dev/null
    local r0 r1 c0 c1 d0 d1 t0 t1
    d0=$(received); r0=$(redis_counters 127.0.0.1 "$rport"); t0=$(date +%s.%N)
    start_senna "${hooks_env[@]}" SOCK_WEBHOOK_CONCURRENCY="$conc"
    until [[ $(rc XLEN "$P:webhooks") == 0 ]]; do sleep 0.05; done
    t1=$(date +%s.%N); c1=$(proc_cpu_s "$senna_pid"); r1=$(redis_counters 127.0.0.1 "$rport"); d1=$(received)
    stop_senna
    awk -v conc="$conc" -v n="$events" -v t0="$t0" -v t1="$t1" -v c1="$c1" -v r0="$r0" -v r1="$r1" -v d0="$d0" -v d1="$d1" 'BEGIN {
        split(r0, a, " "); split(r1, b, " ")
        printf "drain.c%-6s events=%d received=%d seconds=%5.2f deliveries_per_s=%7.1f srv_cpu_us_per_delivery=%6.1f redis_cpu_us_per_delivery=%5.1f redis_cmds_per_delivery=%4.2f\n",
          conc, n, d1 - d0, t1 - t0, n / (t1 - t0), c1 * 1e6 / n, (b[2] - a[2]) * 1e6 / n, (b[1] - a[1]) / n
    }'
}
drain 16
drain 64

#!/usr/bin/env bash
# senna on a Redis Cluster (issue 15), two measures on private local clusters (masters only, no
# replicas: nothing here fails over), every senna in SOCK_REDIS_LAYOUT=cluster:
#   sends   sends/s against the number of masters: one senna (SOCK_THREADS) taking REST sends
#           (POST /api/user/:id between 1,000 users, bench/wrk/log.lua) at CONNS connections
#           with wrk, on a cluster of each size in MASTERS: sends/s, p99, senna CPU, and Redis
#           CPU and commands per send summed over the masters. SINGLE=1 adds one plain
#           redis-server in the seed layout as the reference.
#   bytes   pub/sub bytes per instance: 3 senna instances on a 3-master cluster, USERS users with
#           one socket each spread over them (user u on instance u mod 3: each serves a third of
#           the user rooms), SENDS direct messages between random users (bench/cluster-rooms.mjs,
#           every delivery awaited), for each adapter in ADAPTERS on the same cluster in turn:
#           each instance's senna_adapter_received_bytes_total / _messages_total (/metrics)
#           before and after. With the classic adapter every instance receives every publication;
#           with redis-sharded only those of rooms it serves. Byte counts do not depend on the
#           machine's load.
# Usage: bench/cluster.sh [sends|bytes|all]   (all by default)
#   DURATION=10 CONNS=64 SOCK_THREADS=2 MASTERS="1 3" SINGLE=0            (sends)
#   USERS=300 SENDS=3000 ADAPTERS="redis redis-sharded"                     (bytes)
#   SENNA_BIN=build/release/senna (built if missing)
# Timing numbers (sends) want a quiet machine; bytes do not.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
shared=$(cd ../shared/bench && pwd)
# shellcheck source=/dev/null
. "$shared/lib/common.sh"
what=${1:-all}
case "$what" in sends | bytes | all) ;; *)
    echo "usage: bench/cluster.sh [sends|bytes|all]" >&2
    exit 2
    ;;
esac
duration=${DURATION:-10}
conns=${CONNS:-64}
threads=${SOCK_THREADS:-2}
masters_list=${MASTERS:-1 3}
users=${USERS:-300}
sends=${SENDS:-3000}
adapters=${ADAPTERS:-redis redis-sharded}
senna_bin=${SENNA_BIN:-$root/build/release/senna}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
[[ -x $senna_bin ]] || scripts/build.sh release
[[ -d tests/node_modules/socket.io-client ]] || (cd tests && npm ci --no-audit --no-fund --loglevel=error)
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

work=$(mktemp -d)
redis_pids=() senna_pids=() ports=()
stop_sennas() {
    ((${#senna_pids[@]})) || return 0
    kill "${senna_pids[@]}" 2>/dev/null || true
    wait "${senna_pids[@]}" 2>/dev/null || true
    senna_pids=()
}
stop_redis() {
    ((${#redis_pids[@]})) || return 0
    kill "${redis_pids[@]}" 2>/dev/null || true
    wait "${redis_pids[@]}" 2>/dev/null || true
    redis_pids=() ports=()
}
trap 'stop_sennas; stop_redis; rm -rf "$work"' EXIT

# A cluster of $1 masters on free ports: slots split evenly (CLUSTER ADDSLOTSRANGE), the nodes
# introduced to the first (CLUSTER MEET), then cluster_state:ok with every node known everywhere.
# redis-cli --cluster create would need 3 masters at least; this takes any number.
start_cluster() { # masters
    local n=$1 i p dir lo hi
    for ((i = 0; i < n; i++)); do
        p=$(free_port) dir=$work/node-$p
        mkdir -p "$dir"
        redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
            --cluster-enabled yes --cluster-config-file nodes.conf >"$dir/log" 2>&1 &
        redis_pids+=($!) ports+=("$p")
        wait_redis "$p" 10 || { echo "cluster.sh: redis-server on $p did not start" >&2; exit 1; }
    done
    for ((i = 0; i < n; i++)); do
        lo=$((16384 * i / n)) hi=$((16384 * (i + 1) / n - 1))
        redis-cli -p "${ports[i]}" CLUSTER ADDSLOTSRANGE "$lo" "$hi" >/dev/null
        ((i == 0)) || redis-cli -p "${ports[i]}" CLUSTER MEET 127.0.0.1 "${ports[0]}" >/dev/null
    done
    for ((i = 0; i < 200; i++)); do
        local ok=1
        for p in "${ports[@]}"; do
            redis-cli -p "$p" CLUSTER INFO | tr -d '\r' | grep -q '^cluster_state:ok' || ok=0
            redis-cli -p "$p" CLUSTER INFO | tr -d '\r' | grep -q "^cluster_known_nodes:$n\$" || ok=0
        done
        ((ok)) && return 0
        sleep 0.1
    done
    echo "cluster.sh: the $n-master cluster did not become ok" >&2
    exit 1
}
start_single() {
    local p dir
    p=$(free_port) dir=$work/single-$p
    mkdir -p "$dir"
    redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" >/dev/null 2>&1 &
    redis_pids+=($!) ports+=("$p")
    wait_redis "$p" 10 || { echo "cluster.sh: redis-server did not start" >&2; exit 1; }
}
seeds() { local IFS=,; echo "${ports[*]/#/127.0.0.1:}"; }

# Starts a senna on the Redis started last; prints nothing, appends its pid and URL.
urls=()
start_senna() { # extra env assignments...
    local hport url
    hport=$(free_port) url=http://127.0.0.1:$hport
    env SOCK_HTTP_HOST=127.0.0.1 SOCK_HTTP_PORT="$hport" SOCK_LOG_LEVEL=warn SOCK_THREADS="$threads" \
        SOCK_RATE_SEND_PER_SEC=0 SOCK_RATE_EVENTS_PER_SEC=0 SOCK_MAX_SOCKETS_PER_USER=0 SOCK_DEMO=0 \
        "$@" "$senna_bin" >>"$work/senna-$hport.log" 2>&1 &
    senna_pids+=($!) urls+=("$url")
    wait_http "$url" 60 || { echo "cluster.sh: senna did not start" >&2; cat "$work/senna-$hport.log" >&2; exit 1; }
}
on_cluster=(SOCK_REDIS_LAYOUT=cluster)

# Redis's "commands cpu-seconds", summed over every node started.
redis_sum() {
    local p c=0 s=0 line
    for p in "${ports[@]}"; do
        line=$(redis_counters 127.0.0.1 "$p")
        c=$((c + ${line%% *}))
        s=$(awk -v a="$s" -v b="${line#* }" 'BEGIN { printf "%.6f", a + b }')
    done
    echo "$c $s"
}

echo "# bench/cluster.sh $what commit=$(git rev-parse --short HEAD) cores=$(nproc) senna=$senna_bin"

if [[ $what == sends || $what == all ]]; then
    node "$shared/lib/jwt.js" file "$work/tokens" 1 1000
    echo "# sends: conns=$conns duration=${duration}s threads=$threads (wrk -t1, POST /api/user/:id among 1,000 users)"
    measure() { # name
        local name=$1 r0 r1 c0 c1 res
        wrk -t1 -c"$conns" -d3s --timeout 5s -s "$root/bench/wrk/log.lua" "${urls[0]}" -- "$work/tokens" plain >/dev/null 2>&1 || true
        r0=$(redis_sum) c0=$(proc_cpu_s "${senna_pids[0]}")
        res=$(wrk -t1 -c"$conns" -d"${duration}s" --timeout 5s -s "$root/bench/wrk/log.lua" "${urls[0]}" -- "$work/tokens" plain | grep '^WRKRESULT')
        r1=$(redis_sum) c1=$(proc_cpu_s "${senna_pids[0]}")
        awk -v name="$name" -v r0="$r0" -v r1="$r1" -v c0="$c0" -v c1="$c1" -v nodes="${#ports[@]}" '
          { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
          END {
            n = v["requests"]; if (n < 1) n = 1; split(r0, a, " "); split(r1, b, " ")
            printf "%-16s sends_per_s=%8.1f p99_ms=%7.2f srv_cpu_us_per_send=%6.1f redis_cpu_us_per_send=%5.1f redis_cmds_per_send=%5.2f non2xx=%d\n",
              name, n / (v["duration_us"] / 1e6), v["p99_us"] / 1000, (c1 - c0) * 1e6 / n,
              (b[2] - a[2]) * 1e6 / n, (b[1] - a[1] - nodes) / n, v["err_status"]
          }' <<<"$res"
    }
    if [[ ${SINGLE:-0} == 1 ]]; then
        start_single
        start_senna SOCK_REDIS_URL="redis://127.0.0.1:${ports[0]}/0"
        measure sends.single
        stop_sennas
        stop_redis
        urls=()
    fi
    for m in $masters_list; do
        start_cluster "$m"
        start_senna SOCK_REDIS_CLUSTER="$(seeds)" "${on_cluster[@]}"
        measure "sends.m$m"
        stop_sennas
        stop_redis
        urls=()
    done
fi

if [[ $what == bytes || $what == all ]]; then
    echo "# bytes: 3 instances, 3 masters, users=$users sends=$sends (bench/cluster-rooms.mjs)"
    start_cluster 3
    for adapter in $adapters; do
        urls=()
        if [[ $adapter != redis ]] && ! "$senna_bin" --help | grep -q -- "$adapter"; then
            echo "bytes.$adapter skipped: this senna has no SOCK_ADAPTER=$adapter"
            continue
        fi
        for _ in 1 2 3; do
            start_senna SOCK_REDIS_CLUSTER="$(seeds)" "${on_cluster[@]}" SOCK_ADAPTER="$adapter"
        done
        node "$root/bench/cluster-rooms.mjs" --label "$adapter" --users "$users" --sends "$sends" "${urls[@]}" ||
            echo "bytes.$adapter: not every send was delivered (see above)"
        stop_sennas
    done
    stop_redis
fi

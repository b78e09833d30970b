#!/usr/bin/env bash
# What connection state recovery costs (issue 14): server CPU per send and per delivery with
# recovery on (SOCK_RECOVERY_WINDOW_MS=120000, the default) against off (0), and Redis's CPU
# beside it, with the native generator (bench/loadgen). Runs ROUNDS (default 2) of off, on,
# each on a fresh release senna and a fresh private redis-server, and prints one line per run.
#
#   bench/recovery-cost.sh [--rounds N] [--rate R] [--duration S]
#
# Per run: `fanout` (1 topic, 1000 sockets, R msg/s: server CPU a delivery), then `delivery`
# (1000 receivers, 8 senders, 10 R msg/s of DMs, each to one receiver socket: server CPU a
# send, as each send is delivered once). redis_ns_per_send is redis-server's utime+stime over
# the run divided by the sends. Memory: bench/recovery-memory.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=2 RATE=50 DURATION=8
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -x build/release/senna ] || scripts/build.sh release >/dev/null
[ -x build/loadgen/senna-loadgen ] || bench/loadgen/build.sh >/dev/null
LG=build/loadgen/senna-loadgen
tmp=$(mktemp -d /tmp/recovery-cost.XXXXXX)
srv="" rds=""
cleanup() {
  [ -n "$srv" ] && kill "$srv" 2>/dev/null || true
  [ -n "$rds" ] && kill "$rds" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run() { # $1: window ms
  local rport port
  rport=$(free_port)
  redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" >/dev/null &
  rds=$!
  sleep 0.3
  port=$(free_port)
  SOCK_HTTP_HOST=127.0.0.1 SOCK_HTTP_PORT=$port SOCK_REDIS_URL=redis://127.0.0.1:$rport/0 \
    SOCK_RECOVERY_WINDOW_MS=$1 SOCK_RATE_SEND_PER_SEC=0 SOCK_RATE_EVENTS_PER_SEC=0 \
    SOCK_MAX_SOCKETS_PER_USER=0 SOCK_MAX_TOPICS_PER_SOCKET=0 SOCK_LOG_LEVEL=warn SOCK_DEMO=0 \
    build/release/senna >"$tmp/senna.log" 2>&1 &
  srv=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  local r0 f d r1
  r0=$(cpu_ticks "$rds")
  f=$($LG fanout --url "http://127.0.0.1:$port" --pid "$srv" --sockets 1000 --rate "$RATE" \
    --duration "$DURATION" --warmup 2 --quiet)
  r1=$(cpu_ticks "$rds")
  echo "recovery_window_ms=$1 $f redis_ns_per_delivery=$(( (r1 - r0) * 10000 * 1000 / ($(sed -E 's/.* delivered=([0-9]+).*/\1/' <<<"$f") + 1) ))"
  r0=$(cpu_ticks "$rds")
  d=$($LG delivery --url "http://127.0.0.1:$port" --pid "$srv" --receivers 1000 --senders 8 \
    --rate $((RATE * 10)) --duration "$DURATION" --warmup 2 --quiet)
  r1=$(cpu_ticks "$rds")
  echo "recovery_window_ms=$1 $d redis_ns_per_send=$(( (r1 - r0) * 10000 * 1000 / ($(sed -E 's/.* sent=([0-9]+).*/\1/' <<<"$d") + 1) ))"
  kill "$srv"; wait "$srv" 2>/dev/null || true; srv=""
  kill "$rds"; wait "$rds" 2>/dev/null || true; rds=""
}

for _ in $(seq "$ROUNDS"); do
  run 0
  run 120000
done

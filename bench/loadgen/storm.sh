#!/usr/bin/env bash
# Reconnect storm: start the server, connect K sockets, restart the server (SIGTERM, wait for it
# to exit, start it again on the same port), and report how long until all K are connected again.
#
#   bench/loadgen/storm.sh [--conns K] [--port P] [--loadgen PATH] [--down-ms MS] -- SERVER_CMD...
#
# SERVER_CMD runs with `bash -c` in its own process group (setsid), in the foreground, and must
# listen on 127.0.0.1:$SOCK_HTTP_PORT (exported, as is PORT). Everything else (SOCK_REDIS_URL,
# SOCK_JWT_SECRET, limits) comes from your environment. --down-ms waits that long between the old
# server's exit and the new start (default 0). Extra loadgen options: $LOADGEN_OPTS.
# Prints the loadgen's `lg.storm.k<K> ...` line plus `storm.sh term_to_exit_s=... exit_to_listen_s=...`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
K=1000 PORT=3499 DOWN_MS=0
LG="$here/../../build/loadgen/senna-loadgen"
while [ $# -gt 0 ]; do
  case "$1" in
    --conns) K="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --loadgen) LG="$2"; shift 2 ;;
    --down-ms) DOWN_MS="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: storm.sh [--conns K] [--port P] -- SERVER_CMD..." >&2; exit 2; }
CMD="$*"
[ -x "$LG" ] || "$here/build.sh" >/dev/null
export SOCK_HTTP_HOST=127.0.0.1 SOCK_HTTP_PORT="$PORT" PORT="$PORT"
tmp="$(mktemp -d /tmp/lg-storm.XXXXXX)"
srv=""
lgpid=""
cleanup() {
  [ -n "$lgpid" ] && kill "$lgpid" 2>/dev/null || true
  [ -n "$srv" ] && kill -TERM -- "-$srv" 2>/dev/null || true
  sleep 0.2
  [ -n "$srv" ] && kill -KILL -- "-$srv" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
now() { date +%s.%N; }
start_server() {
  setsid bash -c "$CMD" </dev/null >>"$tmp/server.log" 2>&1 &
  srv=$!
  for _ in $(seq 1 200); do
    if ss -Hltn "sport = :$PORT" | grep -q .; then return 0; fi
    sleep 0.05
  done
  echo "storm.sh failed=1 # server did not listen on $PORT; log:" >&2
  tail -20 "$tmp/server.log" >&2
  exit 1
}
start_server
# shellcheck disable=SC2086
"$LG" storm --url "http://127.0.0.1:$PORT" --conns "$K" --ready-file "$tmp/ready" ${LOADGEN_OPTS:-} >"$tmp/result" &
lgpid=$!
for _ in $(seq 1 1200); do
  [ -f "$tmp/ready" ] && break
  kill -0 "$lgpid" 2>/dev/null || { cat "$tmp/result"; exit 1; }
  sleep 0.05
done
[ -f "$tmp/ready" ] || { echo "storm.sh failed=1 # loadgen never got ready" >&2; exit 1; }
t_term=$(now)
kill -TERM -- "-$srv"
while kill -0 "$srv" 2>/dev/null; do sleep 0.01; done
wait "$srv" 2>/dev/null || true
t_exit=$(now)
sleep "$(awk "BEGIN{print $DOWN_MS/1000}")"
start_server
t_listen=$(now)
wait "$lgpid" || true
lgpid=""
cat "$tmp/result"
awk -v a="$t_term" -v b="$t_exit" -v c="$t_listen" \
  'BEGIN{printf "storm.sh term_to_exit_s=%.3f exit_to_listen_s=%.3f term_to_listen_s=%.3f\n", b-a, c-b, c-a}'

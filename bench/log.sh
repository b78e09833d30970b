#!/usr/bin/env bash
# The conversation log's REST costs (issue 13), side by side with the seed's pages: requests/s,
# p99, senna CPU and Redis CPU per request, with wrk at CONNS connections against the Release
# senna and a private redis-server:
#   history.page1 / history.page50     GET /api/user/900002 (?page=50): the seed's offset pages
#   history.before / .before_deep      ?before&limit=10, ?before=500&limit=10: by cursor
#   history.after                      ?after=500&limit=10
#   list                               GET /api/list (each entry with its unread count)
#   unread                             GET /api/unread over a 200-chat inbox
#   send / send.cmid                   POST /api/user/:id without and with client_msg_id,
#                                      alternated REPEAT times
# Usage: bench/log.sh    (DURATION=10 CONNS=64 REPEAT=3 SOCK_THREADS=2 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
shared=$(cd ../shared/bench && pwd)
# shellcheck source=/dev/null
. "$shared/lib/common.sh"
duration=${DURATION:-10}
conns=${CONNS:-64}
repeat=${REPEAT:-3}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
[[ -d $shared/node_modules ]] || (cd "$shared" && npm ci --no-audit --no-fund)
[[ -x build/release/senna ]] || scripts/build.sh release
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
rport=$(free_port) hport=$(free_port)
work=$(mktemp -d)
redis-server --port "$rport" --save '' --appendonly no --dir "$work" >/dev/null &
redis_pid=$!
trap 'kill "${senna_pid:-0}" "$redis_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
env SOCK_HTTP_HOST=127.0.0.1 SOCK_HTTP_PORT="$hport" SOCK_REDIS_HOST=127.0.0.1 SOCK_REDIS_PORT="$rport" \
    SOCK_LOG_LEVEL=warn SOCK_THREADS="${SOCK_THREADS:-2}" SOCK_RATE_SEND_PER_SEC=0 SOCK_DEMO=0 \
    build/release/senna >"$work/senna.log" 2>&1 &
senna_pid=$!
url=http://127.0.0.1:$hport
wait_http "$url" 20 || { echo "log.sh: senna did not start" >&2; exit 1; }
node "$shared/lib/seed.js" "$url" all >&2
node "$shared/lib/jwt.js" file "$work/tokens" 1 1000
a=$(node "$shared/lib/jwt.js" token 900001)
l=$(node "$shared/lib/jwt.js" token 900003)
echo "# bench/log.sh commit=$(git rev-parse --short HEAD) conns=$conns duration=${duration}s threads=${SOCK_THREADS:-2}"

# One wrk run after a warm-up: prints "name rps p99 senna-CPU/req Redis-CPU/req Redis-cmds/req".
measure() { # name script args...
    local name=$1 script=$2; shift 2
    wrk -t1 -c"$conns" -d3s --timeout 5s -s "$script" "$url" -- "$@" >/dev/null 2>&1 || true
    local r0 r1 c0 c1 res
    r0=$(redis_counters 127.0.0.1 "$rport"); c0=$(proc_cpu_s "$senna_pid")
    res=$(wrk -t1 -c"$conns" -d"${duration}s" --timeout 5s -s "$script" "$url" -- "$@" | grep '^WRKRESULT')
    r1=$(redis_counters 127.0.0.1 "$rport"); c1=$(proc_cpu_s "$senna_pid")
    awk -v name="$name" -v r0="$r0" -v r1="$r1" -v c0="$c0" -v c1="$c1" '
      { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
      END {
        n = v["requests"]; if (n < 1) n = 1; split(r0, a, " "); split(r1, b, " ")
        printf "%-20s rps=%8.1f p99_ms=%7.2f srv_cpu_us_per_req=%6.1f redis_cpu_us_per_req=%5.1f redis_cmds_per_req=%5.2f non2xx=%d\n",
          name, n / (v["duration_us"] / 1e6), v["p99_us"] / 1000, (c1 - c0) * 1e6 / n,
          (b[2] - a[2]) * 1e6 / n, (b[1] - a[1] - 1) / n, v["err_status"]
      }' <<<"$res"
}

get=$shared/wrk/bench.lua
measure history.page1 "$get" get /api/user/900002 "$a"
measure history.page50 "$get" get "/api/user/900002?page=50" "$a"
measure history.before "$get" get "/api/user/900002?before&limit=10" "$a"
measure history.before_deep "$get" get "/api/user/900002?before=500&limit=10" "$a"
measure history.after "$get" get "/api/user/900002?after=500&limit=10" "$a"
measure list "$get" get /api/list "$l"
measure unread "$get" get /api/unread "$l"
for _ in $(seq "$repeat"); do
    measure send "$root/bench/wrk/log.lua" "$work/tokens" plain
    measure send.cmid "$root/bench/wrk/log.lua" "$work/tokens" cmid
done

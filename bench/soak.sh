#!/usr/bin/env bash
# Soak benchmark (issue 8), not part of CI: a release senna (SOCK_THREADS=2) with a private
# redis-server, both on free loopback ports, under a mixed REST and realtime load for
# SOAK_MINUTES (default 30) - see bench/soak.mjs for the load. Every 10 s it samples senna's
# RSS and open fds and the error counts into bench/results/soak-<time>.csv, prints progress
# every minute, plots RSS and fds over time into the .png next to it (gnuplot; the Debian
# package gnuplot-nox is installed when missing), and ends with a verdict: RSS and fds at the
# end against after the warm-up (the first 2 minutes), and errors. Exit status 0 when it passes.
# Every process it starts is stopped at the end and on Ctrl-C.
#
#   bench/soak.sh                     # 30 minutes
#   SOAK_MINUTES=2 bench/soak.sh      # a quick try
# Knobs: SOAK_SOCKETS (300), SOAK_REST_RATE (60 REST operations/s), SOAK_CHURN (10 sockets
# replaced every 10 s), SOAK_SKIP_BUILD=1 (use build/release/senna as it is).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

minutes=${SOAK_MINUTES:-30}
sockets=${SOAK_SOCKETS:-300}
rest_rate=${SOAK_REST_RATE:-60}
churn=${SOAK_CHURN:-10}

if ! command -v gnuplot >/dev/null 2>&1; then
    echo "soak: installing gnuplot-nox (Debian) for the plot"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null ||
        { apt-get update -qq && apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null; }
fi
if [[ ! -d tests/node_modules/socket.io-client ]]; then
    (cd tests && npm ci --no-audit --no-fund --loglevel=error)
fi
if [[ "${SOAK_SKIP_BUILD:-0}" != 1 ]]; then
    scripts/build.sh release
fi
senna_bin=$root/build/release/senna
[[ -x "$senna_bin" ]] || { echo "soak: $senna_bin missing" >&2; exit 1; }

free_port() {
    node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

mkdir -p bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=bench/results/soak-$stamp
work=$(mktemp -d /tmp/senna-soak-XXXXXX)
redis_pid=
senna_pid=
load_pid=

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e
    [[ -n "$load_pid" ]] && kill "$load_pid" 2>/dev/null && wait "$load_pid" 2>/dev/null
    if [[ -n "$senna_pid" ]] && kill -0 "$senna_pid" 2>/dev/null; then
        kill -TERM "$senna_pid" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$senna_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$senna_pid" 2>/dev/null || true
    fi
    [[ -n "$redis_pid" ]] && { kill -KILL "$redis_pid" && wait "$redis_pid"; } 2>/dev/null
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'echo "soak: interrupted"; exit 130' INT TERM

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
    --logfile "$work/redis.log" &
redis_pid=$!
for _ in $(seq 100); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.05
done

http_port=$(free_port)
SOCK_HTTP_HOST=127.0.0.1 SOCK_HTTP_PORT=$http_port SOCK_THREADS=2 SOCK_LOG_LEVEL=warn \
    SOCK_REDIS_URL=redis://127.0.0.1:$redis_port/0 "$senna_bin" 2>"$out.log" &
senna_pid=$!
url=http://127.0.0.1:$http_port
for _ in $(seq 200); do
    curl -fsS "$url/readyz" >/dev/null 2>&1 && break
    sleep 0.05
done
curl -fsS "$url/readyz" >/dev/null || { echo "soak: senna is not ready" >&2; cat "$out.log" >&2; exit 1; }
echo "soak: senna (release) pid $senna_pid at $url, redis-server pid $redis_pid on port $redis_port"
echo "soak: results in $out.csv, $out.png, senna's warnings in $out.log"

set +e
node bench/soak.mjs --url "$url" --pid "$senna_pid" --minutes "$minutes" --csv "$out.csv" \
    --sockets "$sockets" --rest-rate "$rest_rate" --churn "$churn" &
load_pid=$!
wait "$load_pid"
verdict=$?
load_pid=
set -e

if ! kill -0 "$senna_pid" 2>/dev/null; then
    echo "soak: FAIL senna is no longer running" >&2
    verdict=1
fi

gnuplot <<EOF
set terminal pngcairo size 1200,800 font "sans,10"
set output "$out.png"
set datafile separator ","
set key autotitle columnhead
set multiplot layout 2,1 title "senna soak $stamp: $minutes min, $sockets sockets, $rest_rate REST ops/s, churn $churn/10 s"
set grid
set key bottom right
set xlabel "minutes"
set ylabel "RSS (MB)"
set y2label "errors (cumulative)"
set y2tics
set ytics nomirror
set yrange [0:*]
set y2range [0:1<*]
plot "$out.csv" using (\$1/60):(\$2/1024) with linespoints lw 2 pt 7 ps 0.5 title "senna RSS", \
     "" using (\$1/60):17 axes x1y2 with steps lw 1 title "errors"
set ylabel "count"
unset y2label
unset y2tics
set ytics mirror
plot "$out.csv" using (\$1/60):3 with linespoints lw 2 pt 7 ps 0.5 title "senna open fds", \
     "" using (\$1/60):(\$4+\$5) with lines lw 1 dt 2 title "Engine.IO sessions (senna)", \
     "" using (\$1/60):7 with lines lw 1 dt 3 title "connected sockets (client)"
unset multiplot
EOF
echo "soak: plot $out.png"
exit "$verdict"

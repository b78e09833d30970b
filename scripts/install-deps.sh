#!/usr/bin/env bash
# Installs senna's dependencies from Debian packages (by name) and npm packages from their lock
# files. Idempotent: when everything is present it only checks, in a second or two. Run as root
# on Debian 12.
#   scripts/install-deps.sh run   what building and running senna needs (scripts/run.sh)
#   scripts/install-deps.sh       that, and what the tests, checks and benchmarks need
#                                 (scripts/test.sh, CI)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}
case "$mode" in
run | all) ;;
*)
    echo "usage: $0 [run]" >&2
    exit 2
    ;;
esac

# To build and run: Boost 1.81 (never libboost-dev 1.74: the two conflict), hiredis for RESP
# parsing, OpenSSL for JWT, libcrypt-dev (libxcrypt's crypt(3), which checks the Admin UI's $2b$
# bcrypt password hash), mimalloc as the release binary's allocator
# (docs/adr/0010-allocator.md), redis-server for the managed Redis, ccache so rebuilds are quick,
# curl for README's first checks, node and npm for web/'s packages (below).
run_packages=(
    g++ cmake ninja-build ccache pkg-config git curl
    libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
    libhiredis-dev libssl-dev libcrypt-dev redis-server libmimalloc-dev
)
# To test: GoogleTest and Google Benchmark, clang for the fuzzers, clang-format and clang-tidy
# for tools/check_format.sh and check_tidy.sh, chromium for the browser tests (tests/browser,
# driven by playwright-core at /usr/bin/chromium), and for the interop tests (tests/interop)
# Debian's python-socketio client and websocket-client from /usr/bin/python3
# (python3-requests is python-engineio's polling transport); procps and iproute2 for the
# harnesses' process and port checks.
test_packages=(
    procps iproute2
    libgtest-dev libgmock-dev libbenchmark-dev
    clang clang-format clang-tidy
    chromium
    python3 python3-socketio python3-engineio python3-websocket python3-requests
)
packages=("${run_packages[@]}")
[[ $mode == run ]] || packages+=("${test_packages[@]}")
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts a system redis-server on port 6379 on install; senna never uses it, and the
# tests start their own on free ports.

# npm packages, exactly as locked. web/ (to build): the browser build of socket.io-client that
# the demo client embeds, and the Socket.IO Admin UI's built files with the icon font they use
# (@socket.io/admin-ui, @mdi/font); CMake reads them from web/node_modules at build time.
# web/.npmrc skips peer dependencies (the Admin UI package names the socket.io server, which
# senna replaces). tests/ (to test): jsonwebtoken, socket.io-client, playwright-core, ...
dirs=(web)
[[ $mode == run ]] || dirs+=(tests)
for dir in "${dirs[@]}"; do
    stamp=$dir/node_modules/.senna-lock-stamp
    if [[ ! -f "$stamp" ]] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
        echo "install-deps: npm ci in $dir/"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
        cp "$dir/package-lock.json" "$stamp"
    fi
done

#!/usr/bin/env bash
# Installs every build and test dependency of senna from Debian packages (by name) and the npm
# packages of the tests from their lock file. Idempotent: when everything is present it only
# checks, in a second or two. Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

# Boost 1.81 (never libboost-dev 1.74: the two conflict), hiredis for RESP parsing, OpenSSL for
# JWT, mimalloc as the release binary's allocator (docs/adr/0010-allocator.md), redis-server for
# the managed Redis and the tests, GoogleTest and Google Benchmark, clang
# for the fuzzers, ccache so rebuilds are quick, chromium for the browser test of the demo
# (tests/browser, driven by playwright-core at /usr/bin/chromium), libcrypt-dev (libxcrypt's
# crypt(3), which checks the Admin UI's $2b$ bcrypt password hash). The interop tests
# (tests/interop) drive Debian's python-socketio client and websocket-client from /usr/bin/python3;
# python3-requests is python-engineio's polling transport.
packages=(
    g++ cmake ninja-build ccache pkg-config git curl procps iproute2
    libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
    libhiredis-dev libssl-dev libcrypt-dev redis-server libmimalloc-dev
    libgtest-dev libgmock-dev libbenchmark-dev
    clang clang-format
    chromium
    python3 python3-socketio python3-engineio python3-websocket python3-requests
)
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

# npm packages, exactly as locked. tests/: jsonwebtoken, socket.io-client, playwright-core, ...
# web/: the browser build of socket.io-client that the demo client embeds, and the Socket.IO
# Admin UI's built files with the icon font they use (@socket.io/admin-ui, @mdi/font); CMake
# reads them from web/node_modules at build time. web/.npmrc skips peer dependencies (the
# Admin UI package names the socket.io server, which senna replaces).
for dir in tests web; do
    stamp=$dir/node_modules/.senna-lock-stamp
    if [[ ! -f "$stamp" ]] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
        echo "install-deps: npm ci in $dir/"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
        cp "$dir/package-lock.json" "$stamp"
    fi
done

#!/usr/bin/env bash
# Installs what the tests need, builds senna and its tests with AddressSanitizer and
# UndefinedBehaviorSanitizer (warnings as errors), then runs every test:
#   1. source checks (layering, formatting)
#   2. unit tests (GoogleTest through CTest; the Redis ones start their own redis-server)
#   3. the libFuzzer targets, 10 s each, two at a time
#   4. integration tests (node:test) against the real binary, a real redis-server on a free
#      port, over real HTTP on loopback
#   5. interop tests (tests/interop): Debian's python-socketio and websocket-client (raw frames),
#      socket.io-client 4.8 / 2.x and ws against the real binary: large and fragmented messages,
#      protocol violations, broadcasts, reconnecting after senna restarts, shutdown times
#   6. the browser tests: headless Chromium (/usr/bin/chromium): the demo client as two users and
#      across a senna restart, and the Socket.IO Admin UI served by senna against two instances;
#      the screenshots go to build/test-output/browser/
# Every process a test starts is stopped by it. Exit status 0 means everything passed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh asan

echo "== source checks"
tools/check_layers.sh
tools/check_format.sh
tools/check_pitfalls.sh

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "== unit tests"
ctest --test-dir build/asan --output-on-failure -j 2 --timeout 120

echo "== fuzzing, briefly (scripts/fuzz.sh runs longer)"
FUZZ_SECONDS=${FUZZ_SECONDS:-10} FUZZ_JOBS=${FUZZ_JOBS:-2} scripts/fuzz.sh

echo "== integration tests"
SENNA_BIN="$PWD/build/asan/senna" node --test --test-concurrency=1 --test-timeout=120000 \
    tests/integration/

echo "== interop tests"
SENNA_BIN="$PWD/build/asan/senna" node --test --test-concurrency=1 --test-timeout=120000 \
    tests/interop/

echo "== browser tests (demo client and Admin UI in headless Chromium)"
SENNA_BIN="$PWD/build/asan/senna" node --test --test-concurrency=1 --test-timeout=120000 \
    tests/browser/

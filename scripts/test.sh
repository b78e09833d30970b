#!/usr/bin/env bash
# Installs what the tests need, builds senna and its tests with AddressSanitizer and
# UndefinedBehaviorSanitizer (build/asan) and with ThreadSanitizer (build/tsan; warnings as errors
# in both), then runs every test:
#   1. source checks (layering, formatting, GCC coroutine pitfalls, settings drift, clang-tidy)
#   2. unit tests (GoogleTest through CTest; the Redis ones start their own redis-server), under
#      ASan+UBSan, and those that run several threads again under TSan
#   3. the libFuzzer targets, 10 s each, two at a time
#   4. integration tests (node:test) against the real binary, a real redis-server on a free
#      port, over real HTTP on loopback; two of them (realtime, chat: two shards per instance,
#      two instances) again against the TSan binary, which must report no race; the ones that
#      read Redis keys again on a one-node Redis Cluster in the cluster key layout
#      (SENNA_TEST_REDIS=cluster1: a script whose keys span slots fails them)
#   5. interop tests (tests/interop): Debian's python-socketio and websocket-client (raw frames),
#      socket.io-client 4.8 / 2.x and ws against the real binary: large and fragmented messages,
#      protocol violations, broadcasts, reconnecting after senna restarts, shutdown times
#   6. the browser tests: headless Chromium (/usr/bin/chromium): the demo client as two users and
#      across a senna restart, and the Socket.IO Admin UI served by senna against two instances;
#      the screenshots go to build/test-output/browser/
# Every process a test starts is stopped by it. Exit status 0 means everything passed.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each step's heading says when it began (seconds since the start), for CI's time budget.
step() { echo "== $* (at ${SECONDS}s)"; }
trap 'echo "== ${SECONDS}s in all"' EXIT

scripts/install-deps.sh
step "build: ASan+UBSan"
scripts/build.sh asan
step "build: ThreadSanitizer"
scripts/build.sh tsan

step "source checks"
tools/check_layers.sh
tools/check_format.sh
tools/check_pitfalls.sh
SENNA_BIN="$PWD/build/asan/senna" tools/check_settings.py

step "clang-tidy (tools/check_tidy.sh: each module as one unit, unchanged ones cached)"
tools/check_tidy.sh build/tsan

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

step "unit tests"
ctest --test-dir build/asan --output-on-failure -j 2 --timeout 120

step "unit tests that run several threads, under ThreadSanitizer"
TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} \
    ctest --test-dir build/tsan --output-on-failure -j 2 --timeout 300

step "fuzzing, briefly (scripts/fuzz.sh runs longer)"
FUZZ_SECONDS=${FUZZ_SECONDS:-10} FUZZ_JOBS=${FUZZ_JOBS:-2} scripts/fuzz.sh

step "integration tests"
SENNA_BIN="$PWD/build/asan/senna" node --test --test-concurrency=1 --test-timeout=120000 \
    tests/integration/

# The cluster layout on a one-node cluster (it refuses any script whose keys span slots) for the
# files the 3+3 step below does not run: chat, log and realtime run there, in the same layout.
step "integration tests on a one-node Redis Cluster, SOCK_REDIS_LAYOUT=cluster"
SENNA_TEST_REDIS=cluster1 SENNA_BIN="$PWD/build/asan/senna" node --test --test-concurrency=1 \
    --test-timeout=120000 tests/integration/webhooks.test.mjs \
    tests/integration/recovery.test.mjs tests/integration/moderation.test.mjs

step "integration tests on a 3-master + 3-replica Redis Cluster, through the cluster client"
SENNA_TEST_REDIS=cluster SENNA_BIN="$PWD/build/asan/senna" node --test --test-concurrency=1 \
    --test-timeout=120000 tests/integration/chat.test.mjs tests/integration/log.test.mjs \
    tests/integration/realtime.test.mjs tests/integration/sharded.test.mjs \
    tests/integration/emit.test.mjs

step "integration tests with several shards under ThreadSanitizer"
# Every report goes to a file of its own (the tests read senna's stderr as its log); any file
# there fails the step.
tsan_logs=$(mktemp -d)
trap 'rm -rf "$tsan_logs"; echo "== ${SECONDS}s in all"' EXIT
TSAN_OPTIONS="log_path=$tsan_logs/tsan:second_deadlock_stack=1" SENNA_BIN="$PWD/build/tsan/senna" \
    node --test --test-concurrency=1 --test-timeout=120000 \
    tests/integration/realtime.test.mjs tests/integration/chat.test.mjs
if compgen -G "$tsan_logs/tsan.*" >/dev/null; then
    cat "$tsan_logs"/tsan.*
    echo "ThreadSanitizer reported the races above"
    exit 1
fi

step "interop tests"
SENNA_BIN="$PWD/build/asan/senna" node --test --test-concurrency=1 --test-timeout=120000 \
    tests/interop/

step "browser tests (demo client and Admin UI in headless Chromium)"
SENNA_BIN="$PWD/build/asan/senna" node --test --test-concurrency=1 --test-timeout=120000 \
    tests/browser/

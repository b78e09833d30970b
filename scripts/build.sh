#!/usr/bin/env bash
# Builds senna. Usage: scripts/build.sh [release|debug|asan|tsan]  (default: release)
#   release  optimised, what run.sh starts and what bench/ measures
#   debug    -O0 -g
#   asan     AddressSanitizer + UndefinedBehaviorSanitizer, warnings as errors (CI); line tables
#            only (-g1: file and line in sanitizer traces)
#   tsan     ThreadSanitizer, warnings as errors (CI)
# Both sanitizer trees compile each module's sources, and each test program's by fours, as one
# translation unit (SENNA_UNITY), so that a cold CI fits its time: ADR 0009. SENNA_UNITY=OFF in
# the environment builds them file by file, for quicker rebuilds while changing one file.
# Output: build/<kind>/senna. ccache keeps rebuilds quick; -j2 fits this 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
case "$kind" in
release) flags=(-DCMAKE_BUILD_TYPE=Release -DSENNA_TESTS=OFF) ;;
debug) flags=(-DCMAKE_BUILD_TYPE=Debug -DSENNA_WERROR=ON) ;;
asan) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1"
    -DSENNA_SANITIZE=ON -DSENNA_WERROR=ON -DSENNA_UNITY="${SENNA_UNITY:-ON}") ;;
tsan) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1"
    -DSENNA_TSAN=ON -DSENNA_WERROR=ON -DSENNA_UNITY="${SENNA_UNITY:-ON}") ;;
*)
    echo "usage: $0 [release|debug|asan|tsan]" >&2
    exit 2
    ;;
esac
dir=build/$kind
# Paths relative to the checkout, and the build directory left out of the hash (it would be,
# because of -g), so clones elsewhere (CI) reuse the same ccache entries.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
cmake --build "$dir" -j "${SENNA_BUILD_JOBS:-2}"

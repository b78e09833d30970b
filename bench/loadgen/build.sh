#!/usr/bin/env bash
# Build senna-loadgen: one g++ invocation, no CMake. Output: <repo>/build/loadgen/senna-loadgen.
# Needs g++ >= 12 (C++20) and libssl-dev (libcrypto: HMAC-SHA256 for JWTs, SHA-1 for the
# WebSocket accept key). Extra flags via $CXXFLAGS (e.g. CXXFLAGS=-g).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/build/loadgen"
mkdir -p "$out"
g++ -std=c++20 -O2 -Wall -Wextra -Werror ${CXXFLAGS:-} \
  "$here/main.cpp" "$here/common.cpp" "$here/ws.cpp" "$here/http.cpp" \
  -o "$out/senna-loadgen" -lcrypto
echo "$out/senna-loadgen"

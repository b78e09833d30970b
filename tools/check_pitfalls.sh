#!/usr/bin/env bash
# Fails on code patterns GCC 12.2 miscompiles (docs/architecture.md, "Compiler pitfalls"):
# a co_await inside an if/while condition or a ?: / && / || operand runs, then the coroutine
# traps or reads a garbage frame. Await into a variable first.
set -euo pipefail
cd "$(dirname "$0")/.."
hits=$(grep -rnE '(if|while) \(!?co_await|(\?|&&|\|\|) co_await' src tests \
    --include='*.cpp' --include='*.hpp' || true)
if [[ -n "$hits" ]]; then
    echo "$hits"
    echo "check_pitfalls: co_await in a condition (GCC 12 miscompiles it); await into a variable"
    exit 1
fi
echo "check_pitfalls: ok"

#!/usr/bin/env bash
# Fails when a C++ file is not formatted by the committed .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.cpp' '*.hpp')
((${#files[@]})) || exit 0
if ! clang-format --dry-run --Werror "${files[@]}"; then
    echo "check_format: run clang-format -i on the files above"
    exit 1
fi
echo "check_format: ok"

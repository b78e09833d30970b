#!/usr/bin/env bash
# Installs what senna needs, builds it (Release) and runs it in the foreground on port 3005 with
# its own managed redis-server (data in ./data). Extra arguments go to senna (see --help);
# environment variables (SOCK_*) work too. Ctrl-C stops senna and its Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh run # not what only the tests need (a browser, test libraries)
scripts/build.sh release
exec build/release/senna "$@"

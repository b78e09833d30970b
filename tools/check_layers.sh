#!/usr/bin/env bash
# Fails when a module includes a module it may not (ARCHITECTURE.md, "Layers"). Header-only
# includes need no link edge, so CMake alone cannot catch them.
set -euo pipefail
cd "$(dirname "$0")/../src"
declare -A allowed=(
    [util]=""
    [config]="util"
    [net]="util"
    [websocket]="net util"
    [http]="net util"
    [engineio]="http websocket net util"
    [socketio]="engineio net util"
    [redis]="net util"
    [auth]="util"
    [chat]="util net redis"
    [platform]="http net util"
    [realtime]="socketio redis chat net util"
    [admin]="socketio engineio redis net util"
    [api]="http socketio chat auth platform realtime net util"
    [webhook]="platform redis chat auth net util"
    [api]="http socketio chat auth platform realtime webhook net util"
    [app]="*"
)
status=0
for dir in */; do
    module=${dir%/}
    if [[ -z "${allowed[$module]+x}" ]]; then
        echo "check_layers: src/$module is not a known module (add it to tools/check_layers.sh)"
        status=1
        continue
    fi
    [[ "${allowed[$module]}" == "*" ]] && continue
    while IFS=: read -r file _ inc; do
        target=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$inc")
        [[ "$target" == "$module" ]] && continue
        if [[ " ${allowed[$module]} " != *" $target "* ]]; then
            echo "check_layers: $file includes $target, which $module may not include"
            status=1
        fi
    done < <(grep -rn '#include "[a-z_]*/' "$module" || true)
done
[[ $status -eq 0 ]] && echo "check_layers: ok"
exit $status

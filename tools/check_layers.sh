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

# Files held to less than their module may include (issue 18's leaks, closed): a codec that
# borrowed from another layer for one helper.
declare -A narrow=(
    # Socket.IO's JSON codec: nothing of Engine.IO (it once took its string escaper from there).
    [socketio/json.*]="socketio util"
    # The msgpack codec and its JSON bridge: no protocol (they once made socket.io placeholders).
    [realtime/msgpack*]="realtime util"
)
for glob in "${!narrow[@]}"; do
    for file in $glob; do
        [[ -e "$file" ]] || continue
        while IFS=: read -r _ inc; do
            target=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$inc")
            if [[ " ${narrow[$glob]} " != *" $target "* ]]; then
                echo "check_layers: $file includes $target; it may include only: ${narrow[$glob]}"
                status=1
            fi
        done < <(grep -n '#include "[a-z_]*/' "$file" || true)
    done
done

# What only one module may name (issue 18): SPEC's JSON fields are shaped by api, not realtime;
# room names are chat/rooms.hpp's; key names are chat/keys.cpp's; Lua scripts get their keys as
# KEYS, never built from ARGV (Redis Cluster requires it).
refuse() { # refuse <what> <regex> <exempt files: name=why;...> <path>... : every match (outside
    #        // comments, in a file not exempt) is a failure
    local what=$1 regex=$2 exempt=$3
    shift 3
    local hits
    hits=$(grep -rnE "$regex" "$@" --include='*.cpp' --include='*.hpp' | grep -vE '^[^:]+:[0-9]+: *//' || true)
    local IFS=';' entry
    for entry in $exempt; do
        [[ -n "$entry" ]] && hits=$(grep -vE "^(\./)?${entry%%=*}:" <<<"$hits" || true)
    done
    if [[ -n "$hits" ]]; then
        echo "$hits"
        echo "check_layers: $what"
        status=1
    fi
}
# Named exception, with why: realtime/moderation_state.cpp writes the moderation actions' JSON
# on the control channel (issue 17), which realtime publishes and reads back itself.
refuse "realtime writes a JSON field (shape events in api/deliveries.cpp)" \
    '\["[a-z_]+"\] *=' \
    'realtime/moderation_state.cpp=issue 17' \
    realtime
refuse "a room name outside chat/rooms.hpp" '"(user|topic|presence)-"' '' \
    $(ls -d */ | grep -v '^chat/$') chat/keys.cpp chat/service*.cpp
refuse "a Redis key name built outside chat/keys.cpp" '":messages:"|\+ *":messages' '' \
    $(ls -d */ | grep -v '^chat/$')
# Named exceptions, pending issue 15 (Redis Cluster): the presence scripts (arrive, leave, the
# sweep of dead instances, the grace window's expiry) and the chat write scripts' webhook notice
# read instances' heartbeat keys, and the sweep and expiry users' keys, by name from the key
# base (docs/storage.md).
refuse "a Lua script builds a key from ARGV (pass it in KEYS)" \
    "redis\.call\('[A-Z]+', [^,)]*\.\.|ARGV\[[^]]*\] *\.\. *'[a-z_]+:" \
    'realtime/presence.cpp=pending issue 15 (Redis Cluster);chat/scripts.cpp=pending issue 15 (Redis Cluster)' \
    .

[[ $status -eq 0 ]] && echo "check_layers: ok"
exit $status

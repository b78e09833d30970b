#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang (-fsanitize=fuzzer,address,undefined)
# and runs each for FUZZ_SECONDS (default 60), FUZZ_JOBS at a time (default 1). Corpora grow
# in build/fuzz/corpus/<target>/ (seeded from tests/fuzz/corpus/<target>/). A crash leaves its
# input in build/fuzz/<target>-crash-* and fails the script: fix it, add a regression unit test
# and commit the input to tests/fuzz/corpus/<target>/. Ends with a table: executions, peak RSS
# and result of each target.
#   scripts/fuzz.sh                              every target, 60 s each, one at a time
#   FUZZ_SECONDS=600 FUZZ_JOBS=2 scripts/fuzz.sh  10 min each, two at a time (2 cores)
#   FUZZ_SECONDS=600 scripts/fuzz.sh socketio_packet_fuzz
# Each source is compiled once into build/fuzz/obj/ (through ccache when installed) and shared
# by the targets that need it, FUZZ_JOBS compilations at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
out=build/fuzz
mkdir -p "$out/obj" "$out/logs"
cc=(clang++)
if command -v ccache >/dev/null; then
    export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
    cc=(ccache clang++)
fi
# shellcheck disable=SC2054
flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
    -Isrc -DBOOST_JSON_NO_LIB)

util=(src/util/strings.cpp src/util/base64.cpp)
engineio=(src/engineio/error.cpp src/engineio/handshake.cpp src/engineio/packet.cpp
    src/engineio/payload.cpp src/engineio/base64.cpp)
socketio=(src/socketio/binary.cpp src/socketio/error.cpp src/socketio/json.cpp
    src/socketio/packet.cpp src/socketio/revision.cpp)
auth=(src/auth/algorithm.cpp src/auth/base64url.cpp src/auth/error.cpp src/auth/jwt.cpp
    src/auth/signature.cpp src/auth/token_cache.cpp)
chat=(src/chat/error.cpp src/chat/id.cpp src/chat/keys.cpp src/chat/message.cpp)
websocket=(src/websocket/frame.cpp src/websocket/handshake.cpp)
http=(src/http/cors.cpp src/http/query.cpp src/http/response.cpp src/http/router.cpp)

# What each target links besides tests/fuzz/<target>.cpp.
declare -A sources=(
    [engineio_payload_fuzz]="${engineio[*]} ${util[*]}"
    [socketio_packet_fuzz]="${socketio[*]} ${engineio[*]} ${util[*]}"
    [msgpack_fuzz]="src/realtime/msgpack.cpp src/realtime/msgpack_json.cpp src/realtime/adapter_codec.cpp ${socketio[*]} ${engineio[*]} ${util[*]}"
    [http_request_fuzz]="${http[*]} src/api/authenticate.cpp src/api/client_error.cpp src/api/format.cpp src/realtime/moderation_state.cpp ${chat[*]} ${auth[*]} src/util/time.cpp ${util[*]}"
    [jwt_fuzz]="${auth[*]} src/chat/id.cpp ${util[*]}"
    [resp_reader_fuzz]="src/redis/reader.cpp src/redis/reply.cpp src/redis/error.cpp"
    [websocket_frame_fuzz]="${websocket[*]} ${util[*]}"
    [history_splice_fuzz]="src/api/message_text.cpp src/api/format.cpp src/util/json_canonical.cpp src/http/query.cpp ${chat[*]} src/util/time.cpp ${util[*]}"
)
declare -A libs=(
    [engineio_payload_fuzz]=""
    [socketio_packet_fuzz]="-lboost_json"
    [msgpack_fuzz]="-lboost_json"
    [http_request_fuzz]="-lboost_json -lcrypto"
    [jwt_fuzz]="-lboost_json -lcrypto"
    [resp_reader_fuzz]="-lhiredis"
    [websocket_frame_fuzz]="-lcrypto"
    [history_splice_fuzz]="-lboost_json -lboost_url"
)

targets=("$@")
if ((${#targets[@]} == 0)); then
    mapfile -t targets < <(printf '%s\n' "${!sources[@]}" | sort)
fi
for t in "${targets[@]}"; do
    [[ -v "sources[$t]" ]] || {
        echo "fuzz: unknown target $t (known: ${!sources[*]})" >&2
        exit 2
    }
done

# Runs "$@" in the background, at most $jobs at a time; `wait_all` waits for them and fails if
# any failed. (A failure leaves a marker file: bash forgets the status of a background job
# once `jobs` has reported it done, so `wait <pid>` cannot be relied on.)
failed_marker="$out/.failed"
rm -f "$failed_marker"
run_limited() {
    while (($(jobs -rp | wc -l) >= jobs)); do
        sleep 0.2
    done
    { "$@" || touch "$failed_marker"; } &
}
wait_all() {
    wait
    [[ ! -e $failed_marker ]] || {
        rm -f "$failed_marker"
        return 1
    }
}

obj_of() { echo "$out/obj/$(echo "${1%.cpp}" | tr '/' '_').o"; }
compile() {
    "${cc[@]}" "${flags[@]}" -c "$1" -o "$(obj_of "$1")" || {
        echo "fuzz: cannot compile $1" >&2
        return 1
    }
}

echo "== fuzz: compiling (${targets[*]})"
declare -A seen=()
for t in "${targets[@]}"; do
    # shellcheck disable=SC2206
    for src in "tests/fuzz/$t.cpp" ${sources[$t]}; do
        [[ -v "seen[$src]" ]] && continue
        seen[$src]=1
        run_limited compile "$src"
    done
done
wait_all || exit 1
for t in "${targets[@]}"; do
    objs=()
    # shellcheck disable=SC2206
    for src in "tests/fuzz/$t.cpp" ${sources[$t]}; do objs+=("$(obj_of "$src")"); done
    # shellcheck disable=SC2086
    run_limited clang++ "${flags[@]}" "${objs[@]}" ${libs[$t]} -o "$out/$t"
done
wait_all || exit 1

fuzz_one() {
    local t=$1 corpus="$out/corpus/$1"
    mkdir -p "$corpus"
    if [[ -d tests/fuzz/corpus/$t ]]; then
        cp -n tests/fuzz/corpus/"$t"/* "$corpus/" 2>/dev/null || true
    fi
    rm -f "$out/$t"-{crash,leak,timeout,oom}-*
    echo "== fuzz: running $t for ${seconds}s"
    # -timeout: one input taking 25 s is a hang; artifacts named after the target, so that
    # targets running side by side do not mix them up.
    "$out/$t" -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
        -artifact_prefix="$out/$t-" "$corpus" >"$out/logs/$t.log" 2>&1 || true
}

for t in "${targets[@]}"; do
    run_limited fuzz_one "$t"
done
wait_all || true

echo "== fuzz: summary (${seconds}s per target, ${jobs} at a time)"
printf '%-22s %12s %8s %8s %7s  %s\n' target executions exec/s rss_mb crashes result
status=0
for t in "${targets[@]}"; do
    log="$out/logs/$t.log"
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    artifacts=$(compgen -G "$out/$t-*-*" || true)
    crashes=$(grep -c . <<<"$artifacts" || true)
    result=ok
    if ((crashes > 0)) || grep -qE '^==[0-9]+==ERROR' "$log"; then
        result="CRASH: ${artifacts%%$'\n'*} (log: $log)"
        status=1
        grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -5 | sed 's/^/    /' >&2 || true
    elif [[ -z $execs ]]; then
        result="FAILED (log: $log)"
        status=1
    fi
    printf '%-22s %12s %8s %8s %7s  %s\n' "$t" "${execs:--}" "${rate:--}" "${rss:--}" "$crashes" "$result"
done
exit $status

#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang (-fsanitize=fuzzer,address,undefined)
# and runs each for FUZZ_SECONDS (default 60). Corpora grow in build/fuzz/corpus/<target>/
# (seeded from tests/fuzz/corpus/<target>/ when present). A crash leaves its input in
# build/fuzz/ and fails the script: turn it into a regression test.
#   scripts/fuzz.sh                 every target, 60 s each
#   FUZZ_SECONDS=600 scripts/fuzz.sh socketio_packet_fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
out=build/fuzz
mkdir -p "$out"
cxx=(clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
    -Isrc -DBOOST_JSON_NO_LIB)
util=(src/util/strings.cpp src/util/base64.cpp)
engineio=(src/engineio/error.cpp src/engineio/handshake.cpp src/engineio/packet.cpp
    src/engineio/payload.cpp src/engineio/base64.cpp)
socketio=(src/socketio/binary.cpp src/socketio/error.cpp src/socketio/json.cpp
    src/socketio/packet.cpp src/socketio/revision.cpp)

declare -A sources=(
    [engineio_payload_fuzz]="${engineio[*]} ${util[*]}"
    [socketio_packet_fuzz]="${socketio[*]} ${engineio[*]} ${util[*]}"
    [msgpack_fuzz]="src/realtime/msgpack.cpp src/realtime/adapter_codec.cpp ${socketio[*]} ${engineio[*]} ${util[*]}"
)
declare -A libs=([engineio_payload_fuzz]="" [socketio_packet_fuzz]="-lboost_json")
libs[msgpack_fuzz]="-lboost_json"

targets=("$@")
((${#targets[@]})) || targets=("${!sources[@]}")
for t in "${targets[@]}"; do
    echo "== fuzz: building $t"
    # shellcheck disable=SC2086
    "${cxx[@]}" "tests/fuzz/$t.cpp" ${sources[$t]} ${libs[$t]} -o "$out/$t"
    corpus="$out/corpus/$t"
    mkdir -p "$corpus"
    [[ -d tests/fuzz/corpus/$t ]] && cp -n tests/fuzz/corpus/$t/* "$corpus/" 2>/dev/null || true
    echo "== fuzz: running $t for ${seconds}s"
    (cd "$out" && "./$t" -max_total_time="$seconds" -print_final_stats=1 "corpus/$t" 2>&1 |
        grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)|ERROR|SUMMARY|Done" || true)
    (cd "$out" && ! ls crash-* leak-* timeout-* >/dev/null 2>&1) ||
        { echo "fuzz: $t found a crash (see $out)"; exit 1; }
done

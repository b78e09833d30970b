#!/usr/bin/env bash
# clang-tidy (.clang-tidy's checks) over senna's own code, clean or CI fails.
#
# Cost: clang-tidy parses what it checks like a compiler, and Beast/Asio headers make that slow
# (half a minute for one file on this 2-core machine). So it runs on each module's unity
# translation unit of the TSan tree (scripts/build.sh tsan: every source of a module #included
# into one file, the headers parsed once), not on every file, and each module's verdict is
# cached under a key of everything it read: the contents of every project file its depfile
# lists, the compile command, .clang-tidy and clang-tidy's version. A module nothing changed
# in is not checked again (the cache lives outside the checkout, like ccache's, so fresh clones
# share it; SENNA_TIDY_CACHE moves it, SENNA_TIDY_CACHE= turns it off).
#
# Usage: tools/check_tidy.sh [build/tsan]   (after scripts/build.sh tsan)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-build/tsan}
cache=${SENNA_TIDY_CACHE-${XDG_CACHE_HOME:-$HOME/.cache}/senna-tidy}
jobs=${SENNA_TIDY_JOBS:-2}
[[ -f "$build/compile_commands.json" ]] || {
    echo "check_tidy: no $build/compile_commands.json (run scripts/build.sh tsan first)" >&2
    exit 2
}
version=$(clang-tidy --version | tr '\n' ' ')
mapfile -t units < <(find "$build/src" -path '*/Unity/unity_*.cxx' | sort)
((${#units[@]})) || {
    echo "check_tidy: no unity sources under $build/src (configure with SENNA_UNITY)" >&2
    exit 2
}
# main.cpp belongs to no module.
units+=(src/main.cpp)
[[ -n "$cache" ]] && mkdir -p "$cache"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# The key of one unit: every project file it includes (ninja's record of the last compile,
# relative to the build directory) and how it is built. None (no caching) when ninja has no
# record, so that a key never leaves a file out.
key_of() {
    local unit=$1 obj files
    obj=$(grep -F "\"file\": \"$root/$unit\"" -B1 "$build/compile_commands.json" |
        sed -n 's/.* -o \([^ ]*\) -c .*/\1/p')
    [[ -n "$obj" ]] || return 1
    files=$(ninja -C "$build" -t deps "$obj" | sed -n 's/^ \{4\}//p' |
        (cd "$build" && xargs -r realpath -m) | { grep -E "^$root/(src|tests)/" || true; } | sort -u)
    [[ -n "$files" ]] || return 1
    {
        echo "$version"
        cat .clang-tidy
        grep -F "\"file\": \"$root/$unit\"" -B3 "$build/compile_commands.json" || true
        # Project files only (system headers change with packages, which the version covers).
        xargs cat <<<"$files"
    } | sha256sum | cut -d' ' -f1
}

check_one() {
    local unit=$1 name key log
    case $unit in
    */Unity/*) name=$(sed -E 's|.*/src/([a-z_]+)/.*|\1|' <<<"$unit") ;;
    *) name=$(basename "$unit" .cpp) ;;
    esac
    log="$out/$name.log"
    key=$(key_of "$unit") || key=
    if [[ -n "$cache" && -n "$key" && -f "$cache/$key" ]]; then
        echo "check_tidy: $name unchanged (cached)" >"$log"
        return 0
    fi
    # bugprone-suspicious-include: the unity file includes .cpp files, by design.
    if clang-tidy -p "$build" --quiet --checks=-bugprone-suspicious-include \
        --extra-arg=-Wno-unknown-warning-option "$unit" >"$log" 2>&1; then
        if [[ -n "$cache" && -n "$key" ]]; then touch "$cache/$key"; fi
        echo "check_tidy: $name clean" >>"$log"
        return 0
    fi
    return 1
}

status=0
pids=()
names=()
for unit in "${units[@]}"; do
    while (($(jobs -rp | wc -l) >= jobs)); do
        sleep 0.2
    done
    check_one "$unit" &
    pids+=($!)
    names+=("$unit")
done
for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
        status=1
    fi
done
for log in "$out"/*.log; do
    grep -vE '^[0-9]+ warnings? generated|^Suppressed|^Use -header-filter|^Use -system-headers' "$log" || true
done
if ((status)); then
    echo "check_tidy: findings above (.clang-tidy says which checks and why)"
    exit 1
fi
echo "check_tidy: ok (${#units[@]} units: each module and main.cpp)"

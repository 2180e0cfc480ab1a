#!/usr/bin/env bash
# Builds the libFuzzer targets in tests/fuzz with clang and runs each for a while on a copy of its
# seed corpus (tests/fuzz/corpus/<target>). Fails if any target crashes, leaks or times out; the
# crashing inputs are kept in the run directory it prints.
#
#   scripts/fuzz.sh                  # every target, 10 s each
#   scripts/fuzz.sh -t 600           # every target, 10 min each
#   scripts/fuzz.sh -t 60 fuzz_net_frames fuzz_console
#
# Environment: VMLET_FUZZ_BUILD (build dir, default /var/tmp/vmlet-fuzz-build),
#              VMLET_FUZZ_RUNS (where corpora and crashes go, default $VMLET_FUZZ_BUILD/runs),
#              VMLET_FUZZ_JOBS (build parallelism, default nproc).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${VMLET_FUZZ_BUILD:-/var/tmp/vmlet-fuzz-build}"
runs="${VMLET_FUZZ_RUNS:-$build/runs}"
seconds=10
# Every target: tests/fuzz/fuzz_<name>.cpp is the target fuzz_<name> (tests/fuzz/CMakeLists.txt).
all_targets=()
for source in "$root"/tests/fuzz/fuzz_*.cpp; do all_targets+=("$(basename "$source" .cpp)"); done

usage() { echo "usage: $0 [-t seconds] [target...]" >&2; exit 2; }
while getopts "t:h" option; do
    case "$option" in
    t) seconds="$OPTARG" ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || usage # libFuzzer reads -max_total_time=0 as "no limit"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

# One build directory serves one checkout: a cache made from another source tree (another clone in
# CI) is started afresh, as cmake refuses to reuse it.
if [ -f "$build/CMakeCache.txt" ] && ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$root" "$build/CMakeCache.txt"; then
    rm -rf "$build"
fi
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DVMLET_FUZZ=ON -DVMLET_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target "${targets[@]}" -j "${VMLET_FUZZ_JOBS:-$(nproc)}"

failed=0
for target in "${targets[@]}"; do
    binary="$build/tests/fuzz/$target"
    [ -x "$binary" ] || { echo "$target: not built" >&2; failed=1; continue; }
    work="$runs/$target"
    rm -rf "$work"
    mkdir -p "$work/corpus" "$work/artifacts"
    cp -r "$root/tests/fuzz/corpus/$target/." "$work/corpus/"
    log="$work/fuzz.log"
    status=0
    # close_fd_mask=2: the devices log every driver error to stderr; libFuzzer and the sanitizers
    # keep reporting through their own copy of it.
    "$binary" "$work/corpus" -max_total_time="$seconds" -max_len=70000 -timeout=10 -rss_limit_mb=4096 \
        -close_fd_mask=2 -print_final_stats=1 -artifact_prefix="$work/artifacts/" >"$log" 2>&1 || status=$?
    execs="$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)"
    crashes="$(find "$work/artifacts" -type f | wc -l)"
    if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
        crashes=1 # died without leaving an input (e.g. out of memory in the harness)
    fi
    echo "$target: ${execs:-?} execs, $crashes crashes"
    if [ "$crashes" -ne 0 ]; then
        failed=1
        echo "  log: $log" >&2
        find "$work/artifacts" -type f -printf '  input: %p\n' >&2
        grep -m 1 -E 'ERROR: |runtime error:|fuzz check failed' "$log" | sed 's/^/  /' >&2 || true
    fi
done
exit "$failed"

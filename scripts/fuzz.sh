#!/usr/bin/env bash
# Runs every libFuzzer target of a TP_FUZZ build (`make fuzz`) for SECONDS each, JOBS at a time, and fails
# when any finds a crash, a timeout or a leak. Usage: scripts/fuzz.sh <build-dir> [seconds] [target...]
#
# Each target starts from its seeds (tests/fuzz/corpus/<name>/ and the fixture folders listed in the build's
# tests/fuzz/fuzz_targets.txt) and keeps what it learns in <build-dir>/fuzz/<name>/corpus/, so runs on one
# machine build on each other; the seeds in the repository are only read. A failing input is saved in
# <build-dir>/fuzz/<name>/ (crash-*, timeout-*, leak-*, oom-*): minimise it with
#   <binary> -minimize_crash=1 -runs=10000 <input>
# and commit it under tests/fuzz/corpus/<name>/ with the fix, so `make test` replays it from then on.
set -euo pipefail

build=${1:?usage: scripts/fuzz.sh <build-dir> [seconds] [target...]}
seconds=${2:-30}
shift $(($# < 2 ? $# : 2))
jobs=${FUZZ_JOBS:-$(nproc)}
list="$build/tests/fuzz/fuzz_targets.txt"
[ -f "$list" ] || { echo "fuzz: $list is missing: configure $build with -DTP_FUZZ=ON" >&2; exit 2; }

# Per input: 25 s is far beyond any legitimate input under the sanitizers (the slowest seeds take well
# under a second), so a timeout is a hang or a blow-up worth a look.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
  local name=$1 binary=$2 seeds=$3 max_len=$4 dict=$5
  local work="$build/fuzz/$name"
  mkdir -p "$work/corpus"
  IFS=';' read -r -a seed_dirs <<<"$seeds"
  local flags=(-max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1
               -artifact_prefix="$work/")
  if [ -n "$max_len" ]; then flags+=(-max_len="$max_len"); fi
  if [ -n "$dict" ]; then flags+=(-dict="$dict"); fi
  if "$binary" "${flags[@]}" "$work/corpus" "${seed_dirs[@]}" >"$work/log" 2>&1; then
    echo "fuzz: $name: ok ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$') runs)"
  else
    echo "fuzz: $name: FAILED; the input is in $work/, the log in $work/log:"
    grep -E 'ERROR|fuzz property failed|SUMMARY|Test unit written|^    #[0-9] ' "$work/log" | head -30
    return 1
  fi
}

failed=0
running=0
while IFS='|' read -r name binary seeds max_len dict; do
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
  run_one "$name" "$binary" "$seeds" "$max_len" "$dict" &
  running=$((running + 1))
done <"$list"
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
exit $failed

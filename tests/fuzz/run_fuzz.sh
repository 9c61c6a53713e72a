#!/bin/sh
# run_fuzz.sh TARGET SECONDS SEEDS CRASHES WORK [LIBFUZZER FLAGS...]
# Run libFuzzer target TARGET for SECONDS from the committed seed corpus
# SEEDS, first replaying every reproducer in CRASHES (a crash found earlier
# and not yet fixed fails here at once).  New inputs go to WORK (in the build
# tree), never into the source tree; a crash is saved as WORK/crash-<sha1>.
# SECONDS = 0 only replays the corpus and the reproducers.  Exit 77 (skip)
# when the target was not built (no clang or libFuzzer on this machine); a
# crash exits 1 (libFuzzer's own error code is 77, which ctest would read as
# a skip).
set -u
target=$1 seconds=$2 seeds=$3 crashes=$4 work=$5
shift 5
if [ ! -x "$target" ]; then
  echo "SKIP: $target not built: clang with libFuzzer (-fsanitize=fuzzer) was not found at configure time"
  exit 77
fi
# Each run starts from the committed seeds alone (what an earlier run found is
# dropped): with the fixed -seed ctest passes, every machine fuzzes the same
# inputs in the same order.
rm -rf "$work/corpus"
mkdir -p "$work/corpus" "$work/artifacts" || exit 2
dirs="$seeds"
if ls "$crashes"/* > /dev/null 2>&1; then
  echo "replaying reproducers in $crashes:"
  "$target" "$@" -error_exitcode=1 -artifact_prefix="$work/artifacts/" "$crashes"/* || exit 1
fi
if [ "$seconds" -gt 0 ]; then
  set -- "$@" -max_total_time="$seconds"
else
  set -- "$@" -runs=0
fi
# ASAN_OPTIONS: leaks are errors; UBSan stops at the first report.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
  exec "$target" "$@" -error_exitcode=1 -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" $dirs

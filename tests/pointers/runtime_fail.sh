#!/bin/sh
# runtime_fail.sh PROGRAM DURABLE: the workflow fails at the checkpoint with a
# message naming the local and the await, is kept, and durable_retry finishes
# it once the pointer points where it can be saved.
set -u
dir=$(mktemp -d "${TMPDIR:-/tmp}/ptr-fail.XXXXXX") || exit 2
trap 'rm -rf "$dir"' EXIT
export DURABLE_TEST_DB="$dir/t.db" DURABLE_TEST_EFFECTS="$dir/effects"
out=$("$1" start) || { echo "start run failed"; exit 1; }
echo "$out"
[ "$out" = "run = 0
status = failed" ] || { echo "expected the workflow to fail"; exit 1; }
show=$("$2" show "$dir/t.db" follow) || { echo "durable show failed"; exit 1; }
echo "$show"
echo "$show" | grep -q "local 'p' at the await at line 23 (step) points outside the coroutine's locals and static storage" ||
    { echo "the message does not name the local and the await"; exit 1; }
out=$("$1" retry) || { echo "retry run failed"; exit 1; }
echo "$out"
[ "$out" = "retry = 0
follow = 42" ] || { echo "expected the retry to finish with 42"; exit 1; }

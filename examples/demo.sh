#!/bin/sh
# The README demo: run examples/checkout, kill it with SIGKILL mid-way, run it
# again, and show that it resumed to the same result as an uninterrupted run.
#   sh examples/demo.sh [BUILD_DIR]
set -eu
build=${1:-build}
prog=$build/examples/checkout/checkout
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== run 1: start order-42, and kill -9 it while it waits for day 2"
"$prog" "$work/demo.db" > "$work/run1.out" 2>&1 &
pid=$!
sleep 1.6
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
cat "$work/run1.out"
echo "   *** process $pid killed with SIGKILL ***"

cli=$build/runtime/cli/durable
if [ -x "$cli" ]; then
    echo "== what the file holds now: durable show demo.db order-42"
    "$cli" show "$work/demo.db" order-42 | sed 's/^/   /'
fi

echo "== run 2: the same command again: it resumes from its last await"
"$prog" "$work/demo.db" | tee "$work/run2.out"

echo "== for comparison, a run that was never killed"
"$prog" "$work/fresh.db" --day 0.2 > "$work/fresh.out"
tail -n 1 "$work/fresh.out"

charges=$(cat "$work/run1.out" "$work/run2.out" | grep -c "charging" || true)
if [ "$(tail -n 1 "$work/run2.out")" = "$(tail -n 1 "$work/fresh.out")" ] && [ "$charges" -eq 1 ]; then
    echo "== same result after the crash; the card was charged exactly once"
else
    echo "== MISMATCH: resumed run differs from the uninterrupted one (charges: $charges)" >&2
    exit 1
fi

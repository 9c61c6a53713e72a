#!/bin/sh
# compare.sh DURABLE PLAIN: run the translated program on a fresh database and
# the same source compiled as plain C; their outputs must be identical.
set -u
dir=$(mktemp -d "${TMPDIR:-/tmp}/e2e-cmp.XXXXXX") || exit 2
trap 'rm -rf "$dir"' EXIT
DURABLE_TEST_DB="$dir/t.db" DURABLE_TEST_EFFECTS="$dir/durable.effects" "$1" > "$dir/durable.out" || { echo "durable run failed"; exit 1; }
DURABLE_TEST_EFFECTS="$dir/plain.effects" "$2" > "$dir/plain.out" || { echo "plain run failed"; exit 1; }
diff -u "$dir/plain.out" "$dir/durable.out" || exit 1
# every step ran exactly as often as in plain C
sort "$dir/plain.effects" > "$dir/p.sorted" 2>/dev/null || : > "$dir/p.sorted"
sort "$dir/durable.effects" > "$dir/d.sorted" 2>/dev/null || : > "$dir/d.sorted"
diff -u "$dir/p.sorted" "$dir/d.sorted" || { echo "steps differ from plain C"; exit 1; }
cat "$dir/durable.out"

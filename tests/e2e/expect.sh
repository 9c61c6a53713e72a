#!/bin/sh
# expect.sh PROGRAM EXPECTED: run PROGRAM on a fresh database; its output
# must equal the file EXPECTED.
set -u
dir=$(mktemp -d "${TMPDIR:-/tmp}/e2e-exp.XXXXXX") || exit 2
trap 'rm -rf "$dir"' EXIT
DURABLE_TEST_DB="$dir/t.db" "$1" > "$dir/out" || { echo "run failed"; exit 1; }
diff -u "$2" "$dir/out" || exit 1
cat "$dir/out"

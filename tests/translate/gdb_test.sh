#!/bin/sh
# gdb_test.sh PROG SRC: break on the line of SRC marked GDB_LINE (after an
# await) in the translated PROG, and check gdb shows the user's locals there
# with the right values: seed 20, total 21, got 42 (all live after it).
set -u
command -v gdb >/dev/null 2>&1 || { echo "gdb not installed"; exit 77; }
prog=$1 src=$2
line=$(grep -n GDB_LINE "$src" | cut -d: -f1)
dir=$(mktemp -d "${TMPDIR:-/tmp}/gdbtest.XXXXXX") || exit 2
trap 'rm -rf "$dir"' EXIT
out=$(DURABLE_TEST_DB="$dir/t.db" gdb -q -batch -nx \
      -ex "break $(basename "$src"):$line" -ex run \
      -ex "print total" -ex "print got" -ex "print seed" -ex "info source" \
      --args "$prog" 2>&1)
echo "$out"
case $out in *"Breakpoint 1, work__step"*) ;; *) echo "FAIL: did not stop in work__step at line $line"; exit 1;; esac
echo "$out" | grep -q '^\$1 = 21$' || { echo "FAIL: total"; exit 1; }
echo "$out" | grep -q '^\$2 = 42$' || { echo "FAIL: got"; exit 1; }
echo "$out" | grep -q '^\$3 = 20$' || { echo "FAIL: seed"; exit 1; }
echo PASS

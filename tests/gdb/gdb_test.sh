#!/bin/sh
# gdb_test.sh PROG SRC PY: gdb -batch on PROG (tests/gdb/order.c, translated
# by dcc, -O0 -g) with dcc's gdb commands (PY, dcc/durable-gdb.py):
#   - `break order` (the durable function's own name) stops at the first line
#     of its body, with the parameter loaded;
#   - durable-next (dnext) on an await's line stops at the next line of the
#     same coroutine, after the runtime resumed it (the other coroutine of
#     `order` runs in between);
#   - the recipe of docs/guide.md without the script (set $co = co_;
#     tbreak LINE if co_ == $co; continue) does the same for the second await;
#   - dnext on a line with two awaits stops at the line after it;
#   - `print` shows the parameter and the locals at each of those lines.
set -u
command -v gdb >/dev/null 2>&1 || { echo "SKIP: gdb is not installed"; exit 77; }
prog=$1 src=$2 py=$3
line() { grep -n "/\* $1 \*/" "$src" | cut -d: -f1; }
L_BASE=$(line L_BASE) L_AWAIT1=$(line L_AWAIT1) L_AFTER1=$(line L_AFTER1)
L_AWAIT2=$(line L_AWAIT2) L_TWO=$(line L_TWO) L_AFTER2=$(line L_AFTER2)
dir=$(mktemp -d "${TMPDIR:-/tmp}/gdbtest.XXXXXX") || exit 2
trap 'rm -rf "$dir"' EXIT
where='python print("AT", gdb.selected_frame().function().name, gdb.selected_frame().find_sal().line)'
{
    echo 'set confirm off'
    echo 'break order'
    echo 'run'
    echo "$where"
    echo 'print id'
    echo 'delete 1'
    echo 'next'
    echo "$where"
    echo 'print base'
    echo 'dnext'
    echo "$where"
    echo 'print got'
    echo 'print id'
    echo 'next'
    echo "$where"
    echo 'print more'
    echo 'set $co = co_'
    echo "tbreak $L_TWO if co_ == \$co"
    echo 'continue'
    echo "$where"
    echo 'print more'
    echo 'print id'
    echo 'dnext'
    echo "$where"
    echo 'print two'
    echo 'print id'
    echo 'continue'
} >"$dir/cmds"
# LeakSanitizer cannot run under ptrace (an ASan build): the rest of ASan can
out=$(DURABLE_TEST_DB="$dir/t.db" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" gdb -q -batch -nx -x "$py" -x "$dir/cmds" --args "$prog" 2>&1)
echo "$out"
fail() { echo "FAIL: $*"; exit 1; }
has() { printf '%s\n' "$out" | grep -qx -- "$1"; }
printf '%s\n' "$out" | grep -q "^Breakpoint 1 at .*: file .*order\.c, line $L_BASE\.$" ||
    fail "break order did not resolve to order.c:$L_BASE"
# which coroutine stopped first, a (id 1) or b (id 2): every value follows
x=$(printf '%s\n' "$out" | sed -n 's/^\$1 = \([0-9]*\)$/\1/p')
case $x in 1|2) ;; *) fail "print id at the breakpoint: '$x'";; esac
m1=$((11 * x + 1)) m2=$((2 * (11 * x + 1) + 100))
# where gdb stopped and what it printed, in order (dnext may add values of
# its own to the history: only the values after each AT line count)
got=$(printf '%s\n' "$out" | grep -E '^(AT |\$[0-9]+ = )' | sed 's/^\$[0-9]* = /= /' | tr '\n' ' ')
want="AT order__step $L_BASE = $x AT order__step $L_AWAIT1 = $((10 * x)) \
AT order__step $L_AFTER1 = $((10 * x + 1)) = $x AT order__step $L_AWAIT2 = $m1 \
AT order__step $L_TWO = $m2 = $x AT order__step $L_AFTER2 = $((m2 + 3)) = $x "
[ "$got" = "$want" ] || fail "stops and values
  got:  $got
  want: $want"
printf '%s\n' "$out" | grep -q "exited normally" || fail "the program did not finish"
echo PASS

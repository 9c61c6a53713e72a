#!/bin/sh
# show.sh PROGRAM DURABLE: `durable show` names what saved pointers point
# into (a local of the frame, an object by name, a literal), in text and JSON.
# The statics program is stopped at its first await (killed right after the
# commit that reached it) and the CLI reads the file with no program around.
set -u
dir=$(mktemp -d "${TMPDIR:-/tmp}/ptr-show.XXXXXX") || exit 2
trap 'rm -rf "$dir"' EXIT
export DURABLE_TEST_DB="$dir/t.db" DURABLE_TEST_EFFECTS="$dir/effects"
fail() { echo "FAIL: $1"; exit 1; }
n=0 # each run dies after its first commit: go on until all reached await 1
until "$2" list "$dir/t.db" 2>/dev/null | grep -q "names .* await 1"; do
    n=$((n + 1))
    [ $n -le 10 ] || fail "the workflows never reached their first await"
    DURABLE_CRASH=after:1 "$1" > /dev/null 2>&1
done
show() { "$2" show "$dir/t.db" "$1" > "$dir/out" || fail "durable show $1"; cat "$dir/out"; }
has() { grep -F -q -- "$1" "$dir/out" || fail "lacks: $1"; }
show global_cursor "$2"; has "const int *p = &table+8"
show static_members "$2"; has "int *c = &statics.c:counters+4"; has "char *name = &statics.c:config+4"
show literals "$2"; has 'const char *tail = &literals:"literal"+3'; has "const char *none = NULL"
has "int *nothing = NULL"
show names "$2"; has 'const char *list[3] = [&names:"alpha", &names:"beta", &banner]'
"$2" show --json "$dir/t.db" literals > "$dir/out" || fail "durable show --json"
has '"points_to": "banner+7"'
echo PASS

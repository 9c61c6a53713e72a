#!/bin/sh
# thunks.sh DCC_EMIT SRC INCLUDE...: every line of SRC with an await ends in
# a comment /* thunk */ or /* direct */ (optionally followed by ": why"), and
# dcc's output must agree for each await of that line: a thunk await issues
# durable__run_step (with its struct and thunk f__runN at file scope, whose
# call carries the await's #line), a direct one calls the step in place.
set -u
dcc=$1 src=$2
shift 2
case $dcc in /*) ;; *) dcc=$(pwd)/$dcc ;; esac
incs=
for i in "$@"; do incs="$incs -I$i"; done
dir=$(mktemp -d "${TMPDIR:-/tmp}/thunks.XXXXXX") || exit 2
trap 'rm -rf "$dir"' EXIT
name=$(basename "$src")
# shellcheck disable=SC2086
(cd "$(dirname "$src")" && "$dcc" "$name" $incs) > "$dir/out.c" || { echo "FAIL: dcc failed on $src"; exit 1; }
# expected: "LINE thunk|direct" for each marked await line
awk '/await\(/ {
       if (match($0, /\/\* (thunk|direct)[ :*]/)) { w = substr($0, RSTART + 3, 6); sub(/[ :]$/, "", w); print NR, w }
       else if ($0 !~ /^ *\/?\*/) { print NR, "unmarked" } }' "$src" > "$dir/want"
if grep -q unmarked "$dir/want"; then
    echo "FAIL: await lines of $src without a /* thunk */ or /* direct */ comment:"
    grep unmarked "$dir/want"
    exit 1
fi
# emitted: "LINE thunk|direct" for each await, from its issue block
awk -v file="$name" '
    /\/\* await [0-9]+: / && $0 !~ /save, suspend/ {
        n = split($0, w, ":"); l = w[n]; sub(/ \*\/.*/, "", l); line = l + 0; inside = 1; run = 0; next }
    inside && /durable__run_step\(/ { run = 1 }
    inside && /save, suspend/ { print line, run ? "thunk" : "direct"; inside = 0 }' "$dir/out.c" > "$dir/got"
status=0
# every await of a marked line has the marked form
while read -r line want; do
    n=$(awk -v l="$line" '$1 == l' "$dir/got" | wc -l)
    bad=$(awk -v l="$line" -v w="$want" '$1 == l && $2 != w' "$dir/got" | wc -l)
    if [ "$n" -eq 0 ]; then
        echo "FAIL: $name:$line: no await found in dcc's output"; status=1
    elif [ "$bad" -ne 0 ]; then
        echo "FAIL: $name:$line: expected $want, dcc emitted: $(awk -v l="$line" '$1 == l { printf "%s ", $2 }' "$dir/got")"
        status=1
    fi
done < "$dir/want"
# each thunk's call is under the #line of its await, in SRC
awk -v file="$name" '
    /^static void [A-Za-z0-9_]+__run[0-9]+\(void \*p_\)$/ { t = $3; sub(/\(.*/, "", t); want = 1; next }
    want && /^#line [0-9]+ "/ { l = $2; f = $3; next }
    want && /s_->v_ = |\(s_->a0_|\(\);/ { print t, l, f; want = 0 }' "$dir/out.c" > "$dir/calls"
nthunk=$(grep -c 'durable__run_step(' "$dir/out.c")
ncalls=$(wc -l < "$dir/calls")
if [ "$nthunk" -ne "$ncalls" ]; then
    echo "FAIL: $nthunk durable__run_step calls but $ncalls thunks"; status=1
fi
while read -r t l f; do
    if [ "$f" != "\"$name\"" ] || ! awk -v l="$l" '$1 == l && $2 == "thunk"' "$dir/got" | grep -q .; then
        echo "FAIL: thunk $t calls on line $l of $f, not on a thunk await's line of $name"; status=1
    fi
done < "$dir/calls"
[ "$status" = 0 ] && echo "PASS: $(grep -c thunk "$dir/got") awaits through a thunk, $(grep -c direct "$dir/got") direct, as marked in $name"
exit $status

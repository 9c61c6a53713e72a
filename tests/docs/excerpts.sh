#!/bin/sh
# excerpts.sh ROOT DOC... — every ```c block of a DOC must follow a line
# `<!-- from: FILE -->`, and its lines (but `...`, which elides) must appear
# in FILE, in the same order: the docs show code that is built and tested.
set -u
root=$1
shift
tmp=${TMPDIR:-/tmp}/excerpts.$$
mkdir -p "$tmp" || exit 2
status=0
for doc in "$@"; do
    rm -f "$tmp"/block.*
    # split the doc's C blocks into files; line 1 of each is its source file
    awk -v dir="$tmp" '
        /^<!-- from: .* -->$/ { from = $3; next }
        /^```c$/ { n++; file = dir "/block." n; print (from == "" ? "-" : from) > file; inside = 1; from = ""; next }
        inside && /^```$/ { inside = 0; close(file); next }
        inside { sub(/[ \t]+$/, ""); print > file }
    ' "$doc"
    for b in "$tmp"/block.*; do
        [ -e "$b" ] || continue
        src=$(head -n 1 "$b")
        if [ "$src" = "-" ]; then
            echo "FAIL: $doc: a C block without <!-- from: FILE -->:"; sed -n '2,4p' "$b"; status=1; continue
        fi
        [ -f "$root/$src" ] || { echo "FAIL: $doc: no file $src"; status=1; continue; }
        if ! tail -n +2 "$b" | grep -v '^[[:space:]]*\.\.\.$' |
            awk 'NR == FNR { want[++n] = $0; next }
                 { sub(/[ \t]+$/, ""); if (k < n && $0 == want[k + 1]) k++ }
                 END { if (k < n) { print "  first line not found in order: " want[k + 1]; exit 1 } }' - "$root/$src"; then
            echo "FAIL: $doc: a block is not an excerpt of $src"
            status=1
        fi
    done
done
rm -rf "$tmp"
[ $status = 0 ] && echo "PASS: every C block is an excerpt of the file it names"
exit $status

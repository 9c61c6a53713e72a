#!/bin/sh
# want.sh TEXT COMMAND [ARGS...] — run COMMAND; pass only when it exits 0 and
# its output holds TEXT (a fixed string).  For a crashloop run whose result
# must also say something: ctest's PASS_REGULAR_EXPRESSION alone ignores the
# exit status, so a failed crash scenario would pass on the reference's text.
# Exit 77 (a skip) passes through.
set -u
want=$1
shift
out=$("$@" 2>&1)
st=$?
printf '%s\n' "$out"
[ $st -eq 0 ] || exit $st
printf '%s\n' "$out" | grep -qF -- "$want" || { echo "want.sh: the output does not say: $want"; exit 1; }

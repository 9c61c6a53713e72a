#!/bin/sh
# check_refuse.sh DCC_EMIT FILE: FILE's first line says
# /* expect: LINE:COL: (error|warning): TEXT */ ; dcc must print
# FILE:LINE:COL: error: TEXT (as a prefix of its message) and, for errors,
# exit 1 and write no output.
set -u
emit=$1 src=$2
want=$(sed -n '1s|^/\* expect: \(.*\) \*/$|\1|p' "$src")
[ -n "$want" ] || { echo "no expect line in $src"; exit 2; }
cd "$(dirname "$src")" || exit 2
name=$(basename "$src")
out=$("$emit" "$name" 2>&1 >/dev/null)
rc=$?
echo "$out"
case $want in
  *": warning: "*) [ $rc -eq 0 ] || { echo "FAIL: expected success with a warning, got status $rc"; exit 1; } ;;
  *) [ $rc -eq 1 ] || { echo "FAIL: expected status 1, got $rc"; exit 1; } ;;
esac
printf '%s\n' "$out" | grep -F -q "$name:$want" || { echo "FAIL: expected '$name:$want'"; exit 1; }
echo PASS

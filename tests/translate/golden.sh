#!/bin/sh
# golden.sh DCC_EMIT INPUT EXPECTED CC INCLUDE: the translation of INPUT must
# equal EXPECTED byte for byte, and compile warning-free.
# DCC_UPDATE_GOLDEN=1 rewrites EXPECTED instead.
set -u
emit=$1 in=$2 exp=$3 cc=$4 inc=$5
dir=$(mktemp -d "${TMPDIR:-/tmp}/golden.XXXXXX") || exit 2
trap 'rm -rf "$dir"' EXIT
# run from the input's directory so #line names stay relative
cd "$(dirname "$in")" || exit 2
"$emit" "$(basename "$in")" > "$dir/out.c" || { echo "dcc failed"; exit 1; }
if [ "${DCC_UPDATE_GOLDEN:-}" = 1 ]; then
  cp "$dir/out.c" "$exp"; echo "updated $exp"
fi
diff -u "$exp" "$dir/out.c" || { echo "FAIL: output differs from $exp (DCC_UPDATE_GOLDEN=1 to accept)"; exit 1; }
"$cc" -std=c11 -fsyntax-only -Werror -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -O2 \
  -I"$inc" -I"$(dirname "$in")" "$dir/out.c" || { echo "FAIL: generated code has warnings"; exit 1; }
echo PASS

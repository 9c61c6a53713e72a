#!/bin/sh
# docs_sync.sh DOC FILE...: the fenced block of DOC that follows each
# `<!-- golden:NAME -->` must equal FILE (the golden test's input and output),
# so the documentation shows what dcc really emits.
# DCC_UPDATE_GOLDEN=1 rewrites those blocks of DOC from the files instead.
set -u
doc=$1
shift
tmp=${TMPDIR:-/tmp}/docsync.$$
status=0
for f in "$@"; do
  name=$(basename "$f")
  if [ "${DCC_UPDATE_GOLDEN:-}" = 1 ]; then
    awk -v tag="<!-- golden:$name -->" -v file="$f" '
      $0 == tag { print; want = 1; next }
      want == 1 && /^```/ { print; while ((getline line < file) > 0) print line; want = 2; next }
      want == 2 { if (/^```/) { print; want = 0 } ; next }
      { print }' "$doc" > "$tmp" && cp "$tmp" "$doc"
  fi
  awk -v tag="<!-- golden:$name -->" '
    $0 == tag { want = 1; next }
    want && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }' "$doc" > "$tmp"
  if ! diff -u "$f" "$tmp" > /dev/null; then
    echo "FAIL: docs block golden:$name differs from $f (or is missing); DCC_UPDATE_GOLDEN=1 to rewrite"
    diff -u "$f" "$tmp" | head -20
    status=1
  fi
  rm -f "$tmp"
done
[ $status = 0 ] && echo PASS
exit $status

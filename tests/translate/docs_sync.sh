#!/bin/sh
# docs_sync.sh DOC INPUT OUTPUT: the fenced blocks of DOC that follow
# `<!-- golden:NAME -->` must equal the files INPUT and OUTPUT (the golden
# test's), so the documentation shows what dcc really emits.
set -u
doc=$1
shift
status=0
for f in "$@"; do
  name=$(basename "$f")
  awk -v tag="<!-- golden:$name -->" '
    $0 == tag { want = 1; next }
    want && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }' "$doc" > "${TMPDIR:-/tmp}/docsync.$$"
  if ! diff -u "$f" "${TMPDIR:-/tmp}/docsync.$$" > /dev/null; then
    echo "FAIL: docs block golden:$name differs from $f (or is missing)"
    diff -u "$f" "${TMPDIR:-/tmp}/docsync.$$" | head -20
    status=1
  fi
  rm -f "${TMPDIR:-/tmp}/docsync.$$"
done
[ $status = 0 ] && echo PASS
exit $status

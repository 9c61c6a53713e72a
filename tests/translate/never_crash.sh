#!/bin/sh
# never_crash.sh DCC_EMIT DIR...: feed the translator truncated and mangled
# copies of every .c file in DIRs.  Each run must end with status 0 or 1
# (translated or refused), never a signal or an internal error.
set -u
emit=$1
shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/nevercrash.XXXXXX") || exit 2
trap 'rm -rf "$dir"' EXIT
fail=0 runs=0
# every DIR is on the include path (the corpus includes tests/e2e/e2e.h)
incs=
for d in "$@"; do incs="$incs -I$d"; done
try() {
  # shellcheck disable=SC2086
  "$emit" "$1" -I"$2" $incs > /dev/null 2>&1
  rc=$?
  runs=$((runs + 1))
  if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
    echo "FAIL: status $rc on $3"; cp "$1" "$dir/../nevercrash-fail-$runs.c" 2>/dev/null; fail=1
  fi
}
for d in "$@"; do
  for f in "$d"/*.c; do
    [ -f "$f" ] || continue
    size=$(wc -c < "$f")
    for pct in 5 13 27 41 50 63 77 89 97; do
      head -c $((size * pct / 100)) "$f" > "$dir/t.c"
      try "$dir/t.c" "$d" "$f truncated at $pct%"
    done
    # drop every closing brace / parenthesis / semicolon, in turn
    for ch in '}' ')' ';' '('; do
      tr -d "$ch" < "$f" > "$dir/t.c"
      try "$dir/t.c" "$d" "$f without '$ch'"
    done
    # await around odd things
    sed 's/await(\([a-z_]*\)(/await(\&\1 + (/' "$f" > "$dir/t.c"; try "$dir/t.c" "$d" "$f odd await"
    sed 's/durable int/int/' "$f" > "$dir/t.c"; try "$dir/t.c" "$d" "$f not durable"
  done
done
# pure garbage
head -c 3000 /dev/urandom > "$dir/t.c" 2>/dev/null && try "$dir/t.c" . "random bytes"
printf 'durable int f(void) { return await(await(await(' > "$dir/t.c"; try "$dir/t.c" . "open awaits"
printf '#include <durable.h>\ndurable int f(int x) { return await(x); }\n' > "$dir/t.c"; try "$dir/t.c" . "await of a non-call"
printf '' > "$dir/t.c"; try "$dir/t.c" . "empty file"
echo "$runs runs"
[ $fail = 0 ] && echo PASS
exit $fail

#!/bin/sh
# readme_program.sh DCC README LIBDURABLE INCLUDE WORK — the README's first
# program, taken from README.md as it is, built through dcc and run: it must
# print its receipt, and again after being killed right after its 3rd commit.
set -u
dcc=$1 readme=$2 lib=$3 inc=$4 work=$5
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || fail "no work dir"
awk '/^```c$/ && !done { inside = 1; next } inside && /^```$/ { done = 1; inside = 0 } inside' "$readme" > shop.c
[ -s shop.c ] || fail "no C block in the README"
"$dcc" -Wall -Wextra -Werror -I "$inc" shop.c -o shop "$lib" -lsqlite3 -lpthread -lm ${LDFLAGS:-} ||
    fail "the README program does not build"
out=$(./shop) || fail "it failed: $out"
[ "$out" = "order-43: receipt 7062" ] || fail "it printed: $out"
rm -f shop.db shop.db-wal shop.db-shm
DURABLE_CRASH=after:3 ./shop > /dev/null 2>&1
out=$(./shop) || fail "after a crash it failed: $out"
[ "$out" = "order-43: receipt 7062" ] || fail "after a crash it printed: $out"
echo "PASS: $out"

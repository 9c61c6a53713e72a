#!/bin/sh
# upgrade_test.sh V1 V2_OK V2_BAD DIR — edit a durable function between a
# crash and the restart, the incompatible way and the compatible way.
set -u
v1=$1 ok=$2 bad=$3 dir=$4
fail() { echo "FAIL: $*"; exit 1; }
fresh() { rm -f "$dir/upgrade.db" "$dir/upgrade.db-wal" "$dir/upgrade.db-shm"; }
export DURABLE_TEST_DB="$dir/upgrade.db"

# Build 1 starts u1 and is killed with SIGKILL right after the commit that
# leaves it waiting for "approve" (start, fetch_score, the wait: 3 commits).
fresh
DURABLE_CRASH=after:3 "$v1" start; st=$?
[ $st -eq 137 ] || fail "build 1 was meant to be killed at its 3rd commit (exit $st)"

# The incompatible build holds it, says why, and does not touch it.
out=$("$bad" run) || fail "v2_bad run failed: $out"
echo "$out"
echo "$out" | grep -q "u1: held" || fail "v2_bad did not hold u1"
echo "$out" | grep -q "local 'level' (int)" || fail "v2_bad did not name the missing local"

# The compatible build takes it over from where build 1 stopped; the signal
# that v2_bad queued while u1 was held is delivered too (then one more).
out=$("$ok" run) || fail "v2_ok run failed: $out"
echo "$out"
echo "$out" | grep -q "u1: done 2911" || fail "v2_ok did not finish u1 with 7*100 + 21*10 + 1 + (7%5)*1000 = 2911"

# Straight from build 1 to the compatible build, killed at every commit of
# build 1's run first.
for n in 1 2; do
    fresh
    DURABLE_CRASH=after:$n "$v1" start
    out=$("$ok" run) || fail "v2_ok after a crash at commit $n: $out"
    echo "$out" | grep -q "u1: done 2911" || fail "crash at commit $n: $out"
done
echo PASS

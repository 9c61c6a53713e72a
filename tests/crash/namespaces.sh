#!/bin/sh
# namespaces.sh CANCEL WORK — two workers on one file, one of them in a PID
# namespace of its own (as in a container with the same host name): the
# other must not judge it by /proc, where its pid names another process, and
# take its workflow while it runs.  The long step of tests/pool/cancel.c runs
# 1.5 s in the namespaced worker; a second worker starts meanwhile and must
# wait for the first's lease, not run the step again.  Skips (77) where
# unshare --pid cannot run (not root, or no PID namespaces).
set -u
prog=$1 work=$2
unshare --pid --fork --mount-proc true 2> /dev/null || { echo "SKIP: unshare --pid is not available here"; exit 77; }
rm -rf "$work" && mkdir -p "$work" || exit 2
db=$work/ns.db
export DURABLE_TEST_EFFECTS=$work/effects
unset DURABLE_STEP_THREADS
"$prog" "$db" start || { echo "start failed"; exit 1; }
unshare --pid --fork --mount-proc "$prog" "$db" run > "$work/a.out" 2>&1 &
a=$!
sleep 0.5 # the namespaced worker has claimed "c" and is in its long step
"$prog" "$db" run > "$work/b.out" 2>&1
b=$?
wait $a
st=$?
cat "$work/a.out" "$work/b.out"
[ $st -eq 0 ] && [ $b -eq 0 ] || { echo "a worker failed ($st, $b)"; exit 1; }
grep -qx "c: done (a result)" "$work/b.out" || { echo "the second worker did not see c finish"; exit 1; }
runs=$(grep -cx long "$DURABLE_TEST_EFFECTS")
[ "$runs" -eq 1 ] || { echo "the long step ran $runs times: a live worker in another PID namespace was judged dead"; exit 1; }
echo "ok: the step ran once; the worker in the other namespace kept its claim"

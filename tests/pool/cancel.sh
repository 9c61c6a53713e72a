#!/bin/sh
# cancel.c: the CLI cancels "c" while its 1.5 s step runs on the pool.
#   CANCEL=program DURABLE=cli WORK=dir sh cancel.sh
set -eu
export DURABLE_STEP_THREADS=${DURABLE_STEP_THREADS:-4}
rm -rf "$WORK" && mkdir -p "$WORK"
db=$WORK/cancel.db
export DURABLE_TEST_EFFECTS=$WORK/effects
"$CANCEL" "$db" start
"$CANCEL" "$db" run >"$WORK/out" &
pid=$!
sleep 0.5
"$DURABLE" cancel "$db" c
wait $pid
cat "$WORK/out"
grep -qx "c: cancelled (ECANCELLED)" "$WORK/out" || { echo "expected c to end cancelled"; exit 1; }
[ "$(cat "$DURABLE_TEST_EFFECTS")" = "long" ] || { echo "expected the long step once and nothing after it:"; cat "$DURABLE_TEST_EFFECTS"; exit 1; }
"$DURABLE" history "$db" c | grep -q "nap" || { echo "the long step is not in the history:"; "$DURABLE" history "$db" c; exit 1; }
echo "ok: the step in flight finished and was recorded once; the cancellation came at the next await"

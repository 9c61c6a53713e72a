#!/bin/sh
# Kill a worker with many steps in flight, several times, then run it to the
# end, and check that no step whose checkpoint committed ran again:
#  - after each kill, `durable show` reads every workflow's committed frame:
#    the tokens of its steps committed so far; no later run of one of those
#    steps may appear in the log, and the final results must hold them;
#  - every step's final token is the one its last run returned.
# inflight.c says how the tokens work.
#   INFLIGHT=program DURABLE=cli WORK=dir sh inflight.sh [WORKFLOWS] [KILLS]
set -eu
n=${1:-64}
kills=${2:-6}
threads=${DURABLE_STEP_THREADS:-16}
export DURABLE_STEP_THREADS=$threads
rm -rf "$WORK" && mkdir -p "$WORK"
db=$WORK/inflight.db log=$WORK/steps.log out=$WORK/results
"$INFLIGHT" "$db" start "$n"
: >"$log"
: >"$WORK/committed"
max=0
i=0
while [ $i -lt $kills ]; do
    i=$((i + 1))
    before=$(wc -l <"$log")
    "$INFLIGHT" "$db" run "$log" "$out" &
    pid=$!
    # kill once 10 to 40 more steps ended in this run: some have committed,
    # many are running (or earlier, if the run ends first)
    want=$((before + 2 * (10 + (i * 17) % 31)))
    while kill -0 $pid 2>/dev/null && [ "$(wc -l <"$log")" -lt "$want" ]; do
        sleep 0.005
    done
    kill -9 $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    flying=$(tail -n +$((before + 1)) "$log" | awk '$1 == "begin" { b[$2 " " $3]++ } $1 == "end" { e[$2 " " $3]++ }
        END { n = 0; for (k in b) if (b[k] > e[k]) n++; print n }')
    echo "kill $i: $flying steps in flight"
    # what is committed now: "w step token logline" for each step whose
    # checkpoint is in the file
    pos=$(wc -l <"$log")
    w=0
    while [ $w -lt "$n" ]; do
        "$DURABLE" show "$db" "w$w" | awk -v w=$w -v pos="$pos" '
            /^status +done/ { done = 1 }
            /struct tokens r = / { s = $0; sub(/.*\[/, "", s); sub(/\].*/, "", s); nt = split(s, t, ", ") }
            /^  int k = / { k = $4 }
            /the await completed/ { completed = 1 }
            /^  long value = / { v = $4 }
            END { if (done) exit
                  for (j = 0; j < k; j++) print w, j, t[j + 1], pos
                  if (completed) print w, k, v, pos }' >>"$WORK/committed"
        w=$((w + 1))
    done
    [ "$flying" -gt "$max" ] && max=$flying
done
"$INFLIGHT" "$db" run "$log" "$out"
awk -v want=$((n * 6)) '
    NR == FNR { if ($1 == "end") { last[$2 " " $3] = $4; runs[$2 " " $3]++ } next }
    { got++; k = $1 " " $2
      if (!(k in last)) { print "step " k ": no run logged"; bad++ }
      else if (last[k] != $3) { print "step " k ": the workflow holds token " $3 " but its last run returned " last[k] " (a committed step ran again)"; bad++ }
      if (runs[k] > 1) rerun++ }
    END { if (got != want) { print "results: " got " steps, expected " want; bad++ }
          printf "%d steps, %d ran more than once (in flight at a kill)\n", got, rerun
          exit bad ? 1 : 0 }' "$log" "$out"
awk '
    FILENAME == ARGV[1] { k = $1 " " $2; tok[k] = $3; if (!(k in at) || $4 < at[k]) at[k] = $4; next }
    FILENAME == ARGV[2] { if ($1 == "end" && ($2 " " $3) in tok && FNR > at[$2 " " $3] && $4 != tok[$2 " " $3]) {
                              print "step " $2 " " $3 ": committed with token " tok[$2 " " $3] " but ran again (log line " FNR ")"; bad++ }
                          next }
    { k = $1 " " $2; if (k in tok && tok[k] != $3) { print "step " k ": committed with token " tok[k] ", finished with " $3; bad++ } }
    END { exit bad ? 1 : 0 }' "$WORK/committed" "$log" "$out"
echo "$(wc -l <"$WORK/committed") committed steps seen at the kills: none ran again"
# the test is only worth something if the kills hit steps in flight
if [ "$threads" -gt 1 ] && [ "$max" -lt $((threads / 2)) ]; then
    echo "at most $max steps were in flight at a kill: expected about $threads"
    exit 1
fi
echo "ok: no committed step ran again (at most $max in flight at a kill, step_threads=$threads)"

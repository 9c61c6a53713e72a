#!/bin/sh
# pg_failover.sh INFLIGHT — a primary with a synchronous streaming standby,
# on loopback ports of their own.  pool_inflight (tests/pool/inflight.c) runs
# 32 workflows of six steps on 8 step threads through a multi-host URI with
# target_session_attrs=read-write; mid-run the primary is killed
# (pg_ctl -m immediate) and the standby promoted.  The worker rides it out
# (every call returns an error code, it reconnects to the new primary and
# goes on from the store).  Checks: every workflow finishes; each step's
# result is the one its last run returned (tests/pool/inflight.sh); and
# prints
#   RPO  checkpoints (history rows) visible on the primary 0.2 s before its
#        kill that are missing on the promoted standby: must be 0
#   RTO  from the promotion to the first commit on the new primary
#        (target: under 10 s)
set -u
inflight=$1
. "$(dirname "$0")/pg_bin.sh" # bindir and $as, or exit 77

dir=$(mktemp -d "${TMPDIR:-/tmp}/durable-failover.XXXXXX") || exit 1
cleanup() {
    for d in p s; do
        [ -f "$dir/$d/postmaster.pid" ] && $as "$bindir/pg_ctl" -D "$dir/$d" -m immediate -w stop > /dev/null 2>&1
    done
    [ -n "${worker:-}" ] && kill -9 "$worker" 2> /dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
[ -n "$as" ] && chown postgres "$dir"
chmod 700 "$dir"
fail() {
    echo "FAIL: $*"
    for d in p s; do [ -f "$dir/$d.log" ] && { echo "--- $d log:"; tail -n 15 "$dir/$d.log"; }; done
    exit 1
}
sql() { # PORT SQL: one value
    "$bindir/psql" -X -q -t -A -h 127.0.0.1 -p "$1" -U postgres -d postgres -c "$2" 2>> "$dir/psql.err"
}

$as "$bindir/initdb" -D "$dir/p" -U postgres --auth=trust --no-sync -E UTF8 --locale=C > "$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log"; fail "initdb"; }
# Free ports, as pg_server.sh finds one: a start on a port another server
# holds fails, and the next port is tried.
port_try() { echo $(( (($$ * 13 + $1 * 1237) % 20000) + 21000 )); }
try=0 pp=
while [ $try -lt 20 ] && [ -z "$pp" ]; do
    try=$((try + 1))
    p=$(port_try $try)
    $as "$bindir/pg_ctl" -D "$dir/p" -l "$dir/p.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $p -c unix_socket_directories=$dir -c wal_level=replica -c max_wal_senders=4 -c synchronous_standby_names=s1 -c synchronous_commit=on" \
        start > /dev/null 2>&1 && pp=$p
done
[ -n "$pp" ] || fail "the primary did not start (20 ports tried)"
$as "$bindir/pg_basebackup" -h 127.0.0.1 -p $pp -U postgres -D "$dir/s" -R -X stream > "$dir/basebackup.log" 2>&1 ||
    { cat "$dir/basebackup.log"; fail "pg_basebackup"; }
echo "primary_conninfo = 'host=127.0.0.1 port=$pp user=postgres application_name=s1'" |
    $as tee -a "$dir/s/postgresql.auto.conf" > /dev/null
sp=
while [ $try -lt 40 ] && [ -z "$sp" ]; do
    try=$((try + 1))
    p=$(port_try $try)
    [ "$p" = "$pp" ] && continue
    $as "$bindir/pg_ctl" -D "$dir/s" -l "$dir/s.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $p -c unix_socket_directories=$dir" start > /dev/null 2>&1 && sp=$p
done
[ -n "$sp" ] || fail "the standby did not start (20 ports tried)"
i=0
until [ "$(sql $pp "SELECT sync_state FROM pg_stat_replication WHERE application_name = 's1'")" = sync ]; do
    i=$((i + 1))
    [ $i -gt 300 ] && fail "the standby never became synchronous"
    sleep 0.1
done
echo "primary on $pp, synchronous standby on $sp"

uri="postgresql://postgres@127.0.0.1:$pp,127.0.0.1:$sp/postgres?target_session_attrs=read-write&connect_timeout=2"
log=$dir/steps.log out=$dir/results
: > "$log"
"$inflight" "$uri" start 32 || fail "could not start the workflows"
DURABLE_STEP_THREADS=8 INFLIGHT_RETRY=60 "$inflight" "$uri" run "$log" "$out" 2> "$dir/worker.err" &
worker=$!
# the kill: once 60 steps have ended
until [ "$(grep -c '^end' "$log")" -ge 60 ]; do
    kill -0 $worker 2> /dev/null || fail "the worker ended before the fail-over: $(cat "$dir/worker.err")"
    sleep 0.02
done
sql $pp "SELECT workflow || ' ' || checkpoint FROM durable.history" | sort > "$dir/before"
sleep 0.2
$as "$bindir/pg_ctl" -D "$dir/p" -m immediate -w stop > /dev/null 2>&1 || fail "could not kill the primary"
killed=$(grep -c '^end' "$log")
t0=$(date +%s.%N)
$as "$bindir/pg_ctl" -D "$dir/s" -w -t 30 promote > /dev/null 2>&1 || fail "promote"
promoted=$(date +%s.%N)
h0=$(sql $sp "SELECT count(*) FROM durable.history")
until [ "$(sql $sp "SELECT count(*) FROM durable.history")" -gt "$h0" ]; do
    kill -0 $worker 2> /dev/null || break
    sleep 0.02
done
first=$(date +%s.%N)
wait $worker
st=$?
worker=
[ $st -eq 0 ] || fail "the worker exited $st: $(tail -n 5 "$dir/worker.err")"
sql $sp "SELECT workflow || ' ' || checkpoint FROM durable.history" | sort > "$dir/after"
lost=$(comm -23 "$dir/before" "$dir/after" | wc -l)
awk -v want=$((32 * 6)) '
    NR == FNR { if ($1 == "end") { last[$2 " " $3] = $4; runs[$2 " " $3]++ } next }
    { got++; k = $1 " " $2
      if (!(k in last)) { print "step " k ": no run logged"; bad++ }
      else if (last[k] != $3) { print "step " k ": holds token " $3 ", its last run returned " last[k]; bad++ }
      if (runs[k] > 1) rerun++ }
    END { if (got != want) { print "results: " got " steps, expected " want; bad++ }
          printf "%d steps, %d ran more than once (in flight at the fail-over)\n", got, rerun
          exit bad ? 1 : 0 }' "$log" "$out" || fail "results"
rto=$(echo "$first $promoted" | awk '{ printf "%.2f", $1 - $2 }')
echo "killed the primary after $killed steps ended; $(wc -l < "$dir/before") checkpoints were on it"
echo "RPO: $lost committed checkpoints lost"
echo "RTO: $rto s from the promotion to the first commit on the new primary"
echo "worker: $(grep -c . "$dir/worker.err") lines on stderr while it rode it out"
[ "$lost" -eq 0 ] || fail "committed checkpoints were lost"
echo "ok: every workflow finished with its steps' last results; nothing committed was lost"

#!/bin/sh
# live_test.sh CASE — a worker running the README loop obeys what operators
# write from other processes while it runs, without a restart.
#
# Environment (set by tests/live/CMakeLists.txt):
#   LIVE     the live program      DURABLE  the durable tool
#   WORK     a scratch directory of this case's own
#
# Each case starts `live worker` in the background on a fresh database, acts
# on it from the shell with `durable`, and checks the worker's final output.
# Waits are bounded (a worker that never obeys fails the case at the bound);
# no case depends on the machine's speed.
set -u
case_name=$1
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK" || exit 2
DB=$WORK/live.db
worker_pid=

fail() {
    echo "FAIL: $*" >&2
    [ -n "$worker_pid" ] && kill -9 "$worker_pid" 2>/dev/null
    [ -f worker.out ] && { echo "--- worker stdout" >&2; cat worker.out >&2; }
    [ -f worker.err ] && { echo "--- worker stderr" >&2; cat worker.err >&2; }
    exit 1
}

start() { "$LIVE" start "$DB" "$@" || fail "start $*"; }

# worker ID...: run the README loop in the background; it prints the
# outcomes of the IDs when nothing is left unfinished.
worker() {
    "$LIVE" worker "$DB" "$@" >worker.out 2>worker.err &
    worker_pid=$!
}

# status_of ID: the workflow's status as `durable list` prints it.
status_of() {
    "$DURABLE" list "$DB" 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'
}

# until_status ID STATUS: wait (at most 60 s) until ID has STATUS.
until_status() {
    i=0
    while [ "$(status_of "$1")" != "$2" ]; do
        i=$((i + 1))
        [ $i -gt 600 ] && fail "$1 never became $2 (it is $(status_of "$1"))"
        sleep 0.1
    done
}

# worker_ends: the worker exits by itself (at most 60 s) with status 0.
worker_ends() {
    i=0
    while kill -0 "$worker_pid" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt 600 ] && fail "the worker did not finish"
        sleep 0.1
    done
    wait "$worker_pid" || fail "the worker exited $?"
    worker_pid=
}

alive() { kill -0 "$worker_pid" 2>/dev/null || fail "the worker exited: $1"; }

expect() {
    printf '%s\n' "$@" >want.out
    cmp -s want.out worker.out || { echo "--- expected" >&2; cat want.out >&2; fail "outcomes differ"; }
}

op_id() { cmd=$1; shift; "$DURABLE" "$cmd" "$DB" "$@" >op.out 2>&1 || { cat op.out >&2; fail "durable $cmd $* failed"; }; }

case $case_name in
signal)
    # A worker blocked in durable_wait sees a signal sent from the shell.
    start g1 gate 1
    worker g1
    until_status g1 waiting
    op_id signal g1 go 7
    worker_ends
    expect "g1: done 1007"
    ;;
pause_resume)
    # A paused workflow keeps the README loop alive; resume is obeyed.
    start t1 ticker 40
    worker t1
    until_status t1 waiting
    op_id pause t1
    until_status t1 paused
    sleep 1
    alive "a paused workflow must keep durable_run counting it"
    [ "$(status_of t1)" = paused ] || fail "t1 ran while paused"
    op_id resume t1
    worker_ends
    expect "t1: done 780"
    ;;
cancel)
    # Cancelled from the shell while waiting: a workflow that handles it is
    # done with its value, one that does not is cancelled.
    start c1 guarded 1
    start c2 unguarded 2
    worker c1 c2
    until_status c1 waiting
    until_status c2 waiting
    op_id cancel c1
    op_id cancel c2
    worker_ends
    expect "c1: done 101" "c2: cancelled (ECANCELLED)"
    ;;
retry)
    # A failed workflow retried from the shell runs again in the live worker
    # (a gate keeps the worker's loop going meanwhile).
    start f1 flaky 3
    start g1 gate 2
    worker f1 g1
    until_status f1 failed
    until_status g1 waiting
    : >fixed
    op_id retry f1
    until_status f1 done
    alive "the worker must stay for g1"
    op_id signal g1 go 5
    worker_ends
    expect "f1: done 30" "g1: done 2005"
    ;;
start)
    # A workflow started by another process runs in the live worker.
    start g1 gate 3
    worker g1 t2
    until_status g1 waiting
    start t2 ticker 3
    until_status t2 done
    op_id signal g1 go 1
    worker_ends
    expect "g1: done 3001" "t2: done 3"
    ;;
lapsed)
    # t1 is held by a worker on another host that lost power: nothing of its
    # commits again, and only its lease (2 s from now) can tell.  The live
    # worker, idle meanwhile in durable_wait, takes t1 over once the lease
    # lapses.
    start t1 ticker 3
    "$LIVE" foreign "$DB" t1 2000 || fail "foreign t1"
    LIVE_WAIT_MS=600000 worker t1 # each durable_wait may sleep 10 minutes
    sleep 0.5
    alive "t1 is unfinished"
    [ "$(status_of t1)" = ready ] || fail "t1 ran while another worker's lease held it ($(status_of t1))"
    worker_ends
    expect "t1: done 3"
    ;;
*)
    echo "unknown case $case_name" >&2
    exit 2
    ;;
esac
exit 0

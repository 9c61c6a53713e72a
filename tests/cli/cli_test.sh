#!/bin/sh
# cli_test.sh CASE — one test of the `durable` command-line tool.
#
# Environment (set by tests/cli/CMakeLists.txt):
#   DURABLE   the tool            FIXTURE  cli_fixture (makes database files)
#   SOURCE    tests/cli/fixture.c (for the expected source lines)
#   WORK      a scratch directory of this case's own
#
# Each case makes a fresh database with `cli_fixture make`, runs the tool and
# checks what it prints and its exit status.  A failed check prints what was
# expected and what came, and exits 1; exit 77 is a skip, with the reason.
#
# With CLI_STORE=pg (cli_pg.sh, under tests/store/pg_server.sh) the database
# is a fresh one on that server (DURABLE_PG_URI), created with $PSQL, and
# the tool is given its URI: the cases that are not about files run the
# same, with the same expectations; pg_refusals runs only there.
set -u
case_name=$1
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK" || exit 2
DB=$WORK/app.db
STORE=${CLI_STORE:-file}
if [ "$STORE" = pg ]; then
    [ -n "${DURABLE_PG_URI:-}" ] && [ -n "${PSQL:-}" ] ||
        { echo "cli_test.sh: CLI_STORE=pg needs DURABLE_PG_URI and PSQL (run it through cli_pg.sh)" >&2; exit 2; }
    dbname=cli_$(printf '%s' "$case_name" | tr -c 'a-z0-9_' _)
    "$PSQL" -q -v ON_ERROR_STOP=1 "$DURABLE_PG_URI" -c "DROP DATABASE IF EXISTS $dbname" \
        -c "CREATE DATABASE $dbname" >psql.out 2>&1 || { cat psql.out >&2; echo "FAIL: CREATE DATABASE $dbname" >&2; exit 1; }
    DB=${DURABLE_PG_URI%/*}/$dbname
fi

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# run EXPECTED_STATUS ARGS...: run the tool, keep stdout in out.txt and
# stderr in err.txt, check the exit status.
run() {
    want=$1
    shift
    "$DURABLE" "$@" >out.txt 2>err.txt
    got=$?
    if [ "$got" != "$want" ]; then
        echo "--- stdout" >&2; cat out.txt >&2
        echo "--- stderr" >&2; cat err.txt >&2
        fail "durable $* exited $got, expected $want"
    fi
}

# has FILE TEXT: FILE contains the fixed string TEXT.
has() {
    grep -qF -- "$2" "$1" || { echo "--- $1" >&2; cat "$1" >&2; fail "$1 lacks: $2"; }
}

lacks() {
    if grep -qF -- "$2" "$1"; then
        echo "--- $1" >&2; cat "$1" >&2
        fail "$1 contains: $2"
    fi
}

# rows: the number of data rows of a list (header excluded).
rows() {
    echo $(($(wc -l <out.txt) - 1))
}

# status_of ID: the STATUS column of ID in out.txt (a list).
status_of() {
    awk -v id="$1" 'NR > 1 && $1 == id { print $3 }' out.txt
}

need_python() {
    command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found, JSON not validated"; exit 77; }
}

# json_check PYTHON-EXPR: out.txt parses as JSON, and EXPR (over `d`) holds.
json_check() {
    python3 -c "
import json, sys
d = json.load(open('out.txt'))
ok = $1
if not ok:
    print('JSON check failed: ' + sys.argv[1], file=sys.stderr)
    print(json.dumps(d, indent=1)[:4000], file=sys.stderr)
    sys.exit(1)
" "$1" || fail "JSON check: $1"
}

make_db() {
    "$FIXTURE" make "$DB" || fail "cli_fixture make"
}

# The line of the fixture's source that holds TEXT.
line_of() {
    grep -nF -- "$1" "$SOURCE" | head -1 | cut -d: -f1
}

case $case_name in

help)
    run 0 --help
    has out.txt "durable list FILE"
    has out.txt "durable purge FILE"
    run 0 show --help
    has out.txt "usage: durable show FILE ID"
    run 0 --version
    has out.txt "durable 0."
    run 1 frobnicate x.db
    has err.txt "unknown command 'frobnicate'"
    run 1 list
    has err.txt "missing arguments"
    run 1 list x.db --colour
    has err.txt "unknown option '--colour'"
    run 1 show x.db a b
    has err.txt "unexpected argument 'b'"
    run 1 list x.db --limit -3
    has err.txt "non-negative integer"
    ;;

list)
    make_db
    run 0 list "$DB"
    [ "$(rows)" = 16 ] || fail "list shows $(rows) rows, expected 16"
    [ "$(status_of sleeper)" = waiting ] || fail "sleeper is $(status_of sleeper)"
    [ "$(status_of broken)" = failed ] || fail "broken is $(status_of broken)"
    [ "$(status_of done)" = done ] || fail "done is $(status_of done)"
    [ "$(status_of paused)" = paused ] || fail "paused is $(status_of paused)"
    [ "$(status_of cancelled)" = cancelled ] || fail "cancelled is $(status_of cancelled)"
    [ "$(status_of fresh)" = ready ] || fail "fresh is $(status_of fresh)"
    has out.txt "await 1 durable_sleep line $(line_of 'await(durable_sleep(3600));')"
    has out.txt "await 1 durable_wait_signal line $(line_of 'durable_wait_signal("approve"')"
    has out.txt "await 2 durable_all line 13"
    [ ! -s err.txt ] || fail "a note on stderr though everything was listed: $(cat err.txt)"
    # creation order: the first rows are the workflows started first
    [ "$(awk 'NR == 2 { print $1 }' out.txt)" = sleeper ] || fail "first row is not sleeper"
    ;;

list_filters)
    make_db
    run 0 list "$DB" --status waiting
    [ "$(rows)" = 10 ] || fail "--status waiting: $(rows) rows, expected 10"
    lacks out.txt " paused "
    lacks out.txt " failed "
    run 0 list "$DB" --status paused
    [ "$(rows)" = 1 ] || fail "--status paused: $(rows) rows"
    [ "$(status_of paused)" = paused ] || fail "paused missing"
    run 0 list "$DB" --status=failed,done
    [ "$(rows)" = 3 ] || fail "--status failed,done: $(rows) rows, expected 3"
    run 0 list "$DB" --function nap
    [ "$(rows)" = 6 ] || fail "--function nap: $(rows) rows, expected 6"
    run 0 list "$DB" --function nap --status waiting
    [ "$(rows)" = 4 ] || fail "--function nap --status waiting: $(rows) rows, expected 4"
    run 0 list "$DB" --function nosuch
    [ "$(rows)" = 0 ] || fail "--function nosuch: $(rows) rows"
    run 1 list "$DB" --status sleeping
    has err.txt "unknown status 'sleeping'"
    ;;

list_limit)
    make_db
    run 0 list "$DB" --limit 3
    [ "$(rows)" = 3 ] || fail "--limit 3: $(rows) rows"
    has err.txt "showing 1-3 of 16 workflows"
    run 0 list "$DB" --limit 3 --offset 3
    [ "$(awk 'NR > 1 { printf "%s ", $1 }' out.txt)" = "parent fan flaky " ] ||
        fail "--limit 3 --offset 3: $(awk 'NR > 1 { printf "%s ", $1 }' out.txt)"
    run 0 list "$DB" --offset 14
    [ "$(rows)" = 2 ] || fail "--offset 14: $(rows) rows"
    run 0 list "$DB" --limit 0
    [ "$(rows)" = 16 ] || fail "--limit 0: $(rows) rows"
    ;;

list_json)
    need_python
    make_db
    run 0 list "$DB" --json --limit 5
    json_check "d['total'] == 16 and d['more'] and d['limit'] == 5 and len(d['workflows']) == 5"
    json_check "d['workflows'][0]['id'] == 'sleeper' and d['workflows'][0]['await']['callee'] == 'durable_sleep'"
    json_check "all(set(w) >= {'id', 'function', 'status', 'paused', 'parent', 'await', 'created_ms', 'updated', 'created'} for w in d['workflows'])"
    run 0 list "$DB" --json --status paused
    json_check "[w['id'] for w in d['workflows']] == ['paused'] and d['workflows'][0]['paused'] is True"
    ;;

stats)
    need_python
    make_db
    run 0 stats "$DB"
    has out.txt "(all)             1         10          2          1          1          0          1         16"
    has out.txt "nap               0          4          0          0          1          0          1          6"
    has out.txt "await latency (between checkpoints)"
    has out.txt "hello     twice    step          1"
    run 0 stats "$DB" --json
    json_check "sum(w['total'] for w in d['workflows']) == 16 and [w['function'] for w in d['workflows']][:2] == ['broken', 'done']"
    json_check "all(a['count'] >= 1 and a['p50_ms'] <= a['p90_ms'] <= a['max_ms'] for a in d['await_latency'])"
    json_check "{(a['function'], a['await'], a['kind']) for a in d['await_latency']} >= {('hello', 'twice', 'step'), ('broken', 'refuses', 'step')}"
    run 0 list "$DB" --json --limit 0
    cp out.txt list.json
    run 0 stats "$DB" --prometheus
    python3 "$(dirname "$SOURCE")/prom_check.py" out.txt list.json || fail "prometheus output"
    run 1 stats "$DB" --prometheus --limit 3
    ;;

show)
    make_db
    run 0 show "$DB" sleeper
    has out.txt "function     sleeper  (fixture.c"
    has out.txt "status       waiting"
    has out.txt "at           await 1 durable_sleep (runtime), fixture.c:$(line_of 'await(durable_sleep(3600));')"
    has out.txt "waiting on   timer due 20"
    has out.txt "(in 59m"
    has out.txt "int order = 7"
    has out.txt 'const char *customer = "alice"'
    has out.txt 'char label[16] = "crate \"A\""'
    has out.txt "double price = 19.5"
    has out.txt "float ratio = 0.25"
    has out.txt "_Bool express = true"
    has out.txt "unsigned long long big = 18446744073709551615"
    has out.txt "short small = -12"
    has out.txt "int counts[3] = [1, 2, 3]"
    has out.txt "struct point where = {x: 3, y: -4}"
    has out.txt "struct box boxes[2] = [{corner: {x: 1, y: 2}, weight: 0.5}, {corner: {x: 5, y: 6}, weight: 2}]"
    has out.txt "enum colour colour = 7"
    has out.txt "char grade = 'B'"
    has out.txt "const char *note = NULL"
    has out.txt 'const char *who = "alice"'
    lacks out.txt "unused_after" # dead at the await: not saved, not shown
    ;;

show_waits)
    make_db
    run 0 show "$DB" waiter
    has out.txt 'waiting on   signal "approve", timeout 20'
    has out.txt "(in 23h59m"
    has out.txt "int asked = 50"
    run 0 show "$DB" forever
    has out.txt 'signal "go", no timeout'
    run 0 show "$DB" parent
    has out.txt "waiting on   child parent/nap.1 (waiting)"
    has out.txt "int before = 2"
    has out.txt "  awaited    parent/nap.1             nap              waiting"
    run 0 show "$DB" fan
    has out.txt "all spawned children (3 of 3 unfinished)"
    # children by spawn handle (the id ends in the parent's checkpoint number)
    has out.txt "  handle 0   fan/nap.1                nap              waiting"
    has out.txt "  handle 2   fan/nap.3                nap              waiting"
    run 0 show "$DB" fan/nap.2
    has out.txt "parent       fan (spawned, handle 1)"
    has out.txt "int seconds = 601"
    run 0 show "$DB" flaky
    has out.txt "retry of step always_fails, attempt 2, at 20"
    has out.txt "1 failed attempt of this step"
    run 0 show "$DB" fresh
    has out.txt "at           start"
    has out.txt "int n = 1"
    lacks out.txt "locals"
    run 0 show "$DB" paused
    has out.txt "status       paused (waiting when resumed)"
    ;;

show_finished)
    make_db
    run 0 show "$DB" broken
    has out.txt "status       failed"
    has out.txt "error        EPERMANENT (-16)"
    has out.txt "step failed permanently"
    has out.txt "int kept = 104"
    run 0 show "$DB" done
    has out.txt "status       done"
    has out.txt "int n = 21"
    has out.txt "(int) 42"
    run 0 show "$DB" hello
    has out.txt '(const char *) "world"'
    run 0 show "$DB" cancelled
    has out.txt "status       cancelled"
    has out.txt "ECANCELLED"
    ;;

show_json)
    need_python
    make_db
    run 0 show "$DB" sleeper --json
    json_check "d['status'] == 'waiting' and d['await']['callee'] == 'durable_sleep' and d['wait']['kind'] == 'timer'"
    json_check "{f['name']: f['value'] for f in d['locals']['fields']}['where'] == {'x': 3, 'y': -4}"
    json_check "{f['name']: f['value'] for f in d['locals']['fields']}['label'] == 'crate \"A\"'"
    json_check "{f['name']: f['value'] for f in d['locals']['fields']}['big'] == 18446744073709551615"
    json_check "{f['name']: f['value'] for f in d['locals']['fields']}['note'] is None"
    json_check "[f['name'] for f in d['arguments']['fields']] == ['order', 'customer']"
    run 0 show "$DB" done --json
    json_check "d['result']['fields'][0]['value'] == 42 and d['locals'] is None and d['schema_inferred']"
    run 0 show "$DB" fan --json
    json_check "[c['spawn_index'] for c in d['children']] == [0, 1, 2] and d['wait']['unfinished'] == 3"
    run 0 show "$DB" broken --json
    json_check "d['error']['name'] == 'EPERMANENT' and d['error']['code'] == -16"
    ;;

history)
    make_db
    run 0 history "$DB" broken
    has out.txt "start"
    has out.txt "step-failed  1 refuses line $(line_of 'await(refuses(n))')"
    has out.txt "card declined"
    has out.txt "EPERMANENT"
    run 0 history "$DB" fan --limit 2 --offset 1
    [ "$(rows)" = 2 ] || fail "history --limit 2: $(rows) rows"
    has out.txt "fan/nap.1"
    has out.txt "fan/nap.2"
    run 0 history "$DB" done # finished: no frame, the await comes from its function's schema
    has out.txt "1 twice line $(line_of 'await(twice(n))')"
    if command -v python3 >/dev/null 2>&1; then
        run 0 history "$DB" flaky --json
        json_check "[h['event'] for h in d['history']] == ['start', 'retry'] and d['history'][1]['error']['code'] == 503"
    fi
    ;;

read_only)
    make_db
    cp "$DB" before.db
    for args in "list $DB" "list $DB --json" "list $DB --status waiting --limit 2" "show $DB sleeper" \
        "show $DB done --json" "show $DB fan" "history $DB broken" "history $DB sleeper --json"; do
        # shellcheck disable=SC2086
        run 0 $args
    done
    cmp before.db "$DB" || fail "a read command changed the database file"
    for side in -wal -shm -journal; do
        [ ! -e "$DB$side" ] || fail "a read command created $DB$side"
    done
    # a name with the characters a file: URI gives meaning to
    odd="$WORK/odd?name#1%.db"
    cp "$DB" "$odd"
    run 0 show "$odd" sleeper
    has out.txt "int order = 7"
    for side in -wal -shm -journal; do
        [ ! -e "$odd$side" ] || fail "a read command created $odd$side"
    done
    ;;

read_wal)
    # A program killed after its 5th commit leaves committed pages in the -wal:
    # the read commands see them, and change neither the file nor its -wal.
    DURABLE_CRASH=after:5 "$FIXTURE" make "$DB" 2>/dev/null
    [ -s "$DB-wal" ] || { echo "SKIP: no -wal left by the crashed fixture"; exit 77; }
    cp "$DB" before.db
    cp "$DB-wal" before.wal
    run 0 list "$DB"
    [ "$(rows)" = 5 ] || fail "list after a crash: $(rows) rows, expected the 5 committed starts"
    run 0 show "$DB" waiter
    has out.txt "at           start"
    run 0 history "$DB" fan --json
    cmp before.db "$DB" || fail "a read command changed the database file"
    cmp before.wal "$DB-wal" || fail "a read command changed the -wal file"
    ;;

signal)
    make_db
    run 0 signal "$DB" waiter approve yes
    has out.txt "waiter: signal 'approve' sent (3 bytes); now ready"
    run 0 show "$DB" waiter
    has out.txt "status       ready"
    has out.txt "the await completed"
    has out.txt "int value = 1" # durable_wait_signal's value: it arrived
    has out.txt '"yes"' # and its data
    run 0 signal "$DB" sleeper later # queued for its next wait
    run 0 show "$DB" sleeper
    has out.txt "queued signals"
    has out.txt "later (0 bytes"
    run 0 signal "$DB" --all go
    has out.txt "signal 'go' delivered to 1 workflow"
    run 0 list "$DB" --status ready
    [ "$(status_of forever)" = ready ] || fail "forever did not wake"
    run 1 signal "$DB" nobody approve
    has err.txt "no workflow 'nobody'"
    run 1 signal "$DB" done approve
    has err.txt "has already finished"
    ;;

cancel)
    make_db
    run 0 cancel "$DB" parent
    has out.txt "parent: cancellation requested"
    run 0 show "$DB" parent/nap.1 # children are cancelled with their parent
    has out.txt "cancel       delivered"
    has out.txt "ECANCELLED"
    run 1 cancel "$DB" done
    has err.txt "has already finished"
    run 1 cancel "$DB" nobody
    has err.txt "no workflow 'nobody'"
    ;;

pause_resume)
    make_db
    run 0 pause "$DB" sleeper
    has out.txt "sleeper: paused; now paused"
    run 0 list "$DB" --status paused
    [ "$(status_of sleeper)" = paused ] || fail "sleeper not paused"
    run 0 resume "$DB" sleeper
    has out.txt "sleeper: resumed; now waiting"
    run 0 show "$DB" sleeper
    has out.txt "status       waiting"
    ;;

retry)
    make_db
    run 0 retry "$DB" broken
    has out.txt "broken: retry scheduled; now ready"
    run 0 show "$DB" broken
    has out.txt "status       ready"
    has out.txt "issues the await again"
    lacks out.txt "EPERMANENT (-16)"
    run 1 retry "$DB" waiter
    has err.txt "has not failed (it is waiting)"
    ;;

purge)
    make_db
    run 0 purge "$DB" --older-than 1h
    has out.txt "purged 0 finished workflows"
    run 0 purge "$DB" --before 0s # done, hello, broken (failed), cancelled
    has out.txt "purged 4 finished workflows"
    run 1 show "$DB" done
    has err.txt "no workflow 'done'"
    run 0 list "$DB"
    [ "$(rows)" = 12 ] || fail "after purge: $(rows) rows, expected 12"
    run 1 purge "$DB" --older-than soon
    has err.txt "neither a duration"
    run 1 purge "$DB"
    has err.txt "give --older-than"
    ;;

bad_files)
    run 1 list "$WORK/missing.db"
    has err.txt "missing.db: cannot open: No such file or directory"
    run 1 cancel "$WORK/missing.db" x
    [ ! -e "$WORK/missing.db" ] || fail "a write command created a missing file"
    : >empty.db
    run 1 show empty.db x
    has err.txt "empty.db: not a durable database"
    run 1 pause empty.db x
    [ ! -s empty.db ] || fail "a write command initialised an empty file"
    echo "hello, world, this is text" >text.db
    run 1 history text.db x
    has err.txt "text.db: not a durable database"
    run 1 list "$WORK"
    has err.txt "not a durable database"
    make_db
    # an SQLite file of someone else's: our application_id missing
    cp "$DB" foreign.db
    printf '\000\000\000\000' | dd of=foreign.db bs=1 seek=68 conv=notrunc 2>/dev/null
    cp foreign.db foreign.before
    run 1 list foreign.db
    has err.txt "foreign.db: not a durable database"
    run 1 signal foreign.db sleeper x
    cmp foreign.db foreign.before || fail "a write command changed a foreign file"
    # a newer format: user_version 2
    cp "$DB" newer.db
    printf '\000\000\000\002' | dd of=newer.db bs=1 seek=60 conv=notrunc 2>/dev/null
    run 1 show newer.db sleeper
    has err.txt "newer format version"
    # corrupt pages
    cp "$DB" corrupt.db
    size=$(wc -c <corrupt.db)
    dd if=/dev/urandom of=corrupt.db bs=4096 seek=1 count=$((size / 4096 - 1)) conv=notrunc 2>/dev/null
    "$DURABLE" list corrupt.db >out.txt 2>err.txt
    rc=$?
    [ "$rc" = 1 ] || fail "list of a corrupt file exited $rc, expected 1 ($(cat err.txt))"
    has err.txt "corrupt.db:"
    ;;

unknown_id)
    make_db
    run 1 show "$DB" nobody
    has err.txt "$DB: no workflow 'nobody'"
    run 1 history "$DB" nobody
    has err.txt "no workflow 'nobody'"
    run 1 show "$DB" nobody --json
    [ ! -s out.txt ] || fail "JSON printed for an unknown id"
    ;;

corrupt_values)
    make_db
    "$FIXTURE" mangle "$DB" || fail "cli_fixture mangle"
    run 0 show "$DB" sleeper # its frame is cut after 50 bytes
    has out.txt "int order = 7" # the arguments still decode
    has out.txt "double price = 19.5" # so do the locals before the cut
    has out.txt "short small = (does not decode: the stored blob is corrupt)"
    has out.txt "const char *who = (does not decode: the stored blob is corrupt)"
    run 0 show "$DB" waiter
    has out.txt "(does not decode: the stored blob is corrupt)"
    has out.txt "(does not decode: its schema's descriptors are malformed)"
    run 0 show "$DB" parent
    has out.txt "(does not decode: the stored blob is corrupt)"
    has out.txt "parent/nap.1"
    if command -v python3 >/dev/null 2>&1; then
        run 0 show "$DB" sleeper --json
        json_check "d['locals']['error'] == 'the stored blob is corrupt'"
        json_check "{f['name']: f['value'] for f in d['locals']['fields']}['price'] == 19.5"
        json_check "[f for f in d['locals']['fields'] if f['name'] == 'small'][0]['error'] == 'the stored blob is corrupt'"
    fi
    run 0 list "$DB"
    ;;

mangled_files_*)
    # 40 damaged files in four cases of ten seeds each (mangled_files_0..3),
    # so that each stays short under the sanitizers on a small machine.
    need_python
    make_db
    part=${case_name#mangled_files_}
    python3 "$(dirname "$SOURCE")/mangle.py" "$DURABLE" "$DB" $((part * 10)) $((part * 10 + 10)) || fail "mangle.py"
    ;;

scale)
    n=100000
    t0=$(date +%s%N)
    "$FIXTURE" bulk "$DB" $n || fail "cli_fixture bulk"
    t1=$(date +%s%N)
    run 0 list "$DB" --limit 20
    t2=$(date +%s%N)
    [ "$(rows)" = 20 ] || fail "list --limit 20: $(rows) rows"
    has err.txt "showing 1-20 of $n workflows"
    run 0 list "$DB" --status waiting --limit 20 --offset 99000
    t3=$(date +%s%N)
    [ "$(rows)" = 20 ] || fail "list --status waiting --offset 99000: $(rows) rows"
    run 0 show "$DB" w77777
    has out.txt "int seconds = 3600"
    echo "made $n workflows in $(((t1 - t0) / 1000000)) ms;" \
        "list --limit 20 took $(((t2 - t1) / 1000000)) ms;" \
        "list --status waiting --offset 99000 --limit 20 took $(((t3 - t2) / 1000000)) ms"
    ;;

error_reasons)
    # Every error names the path and the reason, the OS's when it has one.
    make_db
    for cmd in "list" "show ID" "history ID" "signal ID go" "cancel ID"; do
        set -- $cmd
        c=$1
        shift
        run 1 $c "$WORK/nodir/app.db" "$@"
        has err.txt "durable: $WORK/nodir/app.db: cannot open: No such file or directory (no directory $WORK/nodir)"
    done
    [ ! -e "$WORK/nodir" ] || fail "a command created the missing directory"
    run 1 list "$DB/x"
    has err.txt "durable: $DB/x: cannot open: Not a directory"
    run 1 list nothere.db
    has err.txt "durable: nothere.db: cannot open: No such file or directory"
    lacks err.txt "no directory"
    if [ -w /dev/full ]; then
        "$DURABLE" list "$DB" >/dev/full 2>err.txt && fail "list into a full disk succeeded"
        has err.txt "durable: standard output: cannot write: No space left on device"
        "$DURABLE" show "$DB" sleeper --json >/dev/full 2>err.txt && fail "show into a full disk succeeded"
        has err.txt "durable: standard output: cannot write: No space left on device"
    fi
    ;;

error_permissions)
    # A write command on a file, or in a directory, it may not write: the OS's
    # reason, not "storage I/O error".  As root, run the tool as nobody.
    as=
    if [ "$(id -u)" = 0 ]; then
        command -v setpriv >/dev/null 2>&1 ||
            { echo "SKIP: running as root, and no setpriv to drop to an unprivileged user"; exit 77; }
        as="setpriv --reuid=65534 --regid=65534 --clear-groups"
    fi
    dir=$(mktemp -d) || fail "mktemp"
    trap 'chmod -R u+w "$dir"; rm -rf "$dir"' EXIT
    chmod 755 "$dir"
    mkdir "$dir/open" "$dir/shut"
    chmod 777 "$dir/open"
    "$FIXTURE" make "$dir/open/ro.db" >/dev/null || fail "cli_fixture make"
    cp "$dir/open/ro.db" "$dir/shut/rw.db"
    chmod 444 "$dir/open/ro.db"
    chmod 666 "$dir/shut/rw.db"
    chmod 755 "$dir/shut"
    $as "$DURABLE" signal "$dir/open/ro.db" waiter approve yes >out.txt 2>err.txt && fail "signal on a read-only file succeeded"
    has err.txt "durable: $dir/open/ro.db: waiter: cannot write: Permission denied"
    $as "$DURABLE" cancel "$dir/shut/rw.db" waiter >out.txt 2>err.txt && fail "cancel in a read-only directory succeeded"
    has err.txt "durable: cannot open $dir/shut/rw.db: directory $dir/shut: Permission denied"
    $as "$DURABLE" list "$dir/open/ro.db" >out.txt 2>err.txt || { cat err.txt; fail "list of a read-only file failed"; }
    ;;

pg_refusals)
    # A database without our schema, or with a foreign table in it, or of a
    # newer format, is refused by every command and left as it was; a
    # password in the URI never shows in a message; reading writes nothing.
    [ "$STORE" = pg ] || { echo "cli_test.sh: pg_refusals needs CLI_STORE=pg" >&2; exit 2; }
    q() { "$PSQL" -qtA -v ON_ERROR_STOP=1 "$@"; }
    run 1 list "$DB"
    has err.txt "$DB: not a durable database"
    run 1 cancel "$DB" x
    has err.txt "not a durable database"
    run 1 signal "$DB" --all go
    [ "$(q "$DB" -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'durable'")" = 0 ] ||
        fail "a command created schema durable in a database without it"
    q "$DB" -c "CREATE SCHEMA durable" -c "CREATE TABLE durable.mine(x int)" || fail "psql"
    run 1 show "$DB" x
    has err.txt "not a durable database"
    run 1 pause "$DB" x
    [ "$(q "$DB" -c "SELECT string_agg(relname, ',') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE nspname = 'durable' AND relkind = 'r'")" = mine ] ||
        fail "a command changed a foreign schema durable"
    q "$DB" -c "DROP SCHEMA durable CASCADE" || fail "psql"
    for uri in "postgresql://postgres:s3cret@127.0.0.1:1/nodb" "postgres://127.0.0.1:1/nodb?user=postgres&password=s3cret"; do
        for cmd in "list" "show ID" "history ID" "stats" "signal ID go" "cancel ID" "purge --older-than 1d"; do
            set -- $cmd
            c=$1
            shift
            run 1 $c "$uri" "$@"
            has err.txt "cannot open"
            lacks err.txt "s3cret"
        done
    done
    make_db
    digest() {
        q "$DB" -c "SELECT md5(coalesce(string_agg(t::text, '|'), '')) FROM (SELECT w::text FROM durable.workflows w UNION ALL SELECT f::text FROM durable.frames f UNION ALL SELECT h::text FROM durable.history h UNION ALL SELECT s::text FROM durable.signals s ORDER BY 1) t"
    }
    before=$(digest)
    for args in "list $DB" "list $DB --json" "show $DB sleeper --json" "show $DB fan" "history $DB broken" "stats $DB --prometheus"; do
        # shellcheck disable=SC2086
        run 0 $args
    done
    [ "$(digest)" = "$before" ] || fail "a read command changed the database"
    q "$DB" -c "UPDATE durable.meta SET value = '2' WHERE key = 'format'" || fail "psql"
    run 1 show "$DB" sleeper
    has err.txt "newer format version"
    run 1 retry "$DB" broken
    ;;

*)
    echo "unknown case $case_name" >&2
    exit 2
    ;;
esac
exit 0

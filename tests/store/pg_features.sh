#!/bin/sh
# pg_features.sh DIR NAME[:setup][:ARG] ... — run under pg_server.sh
# (DURABLE_PG_URI set): each feature program DIR/feature_NAME runs to its end
# twice, on a fresh SQLite file and on a fresh database of the server (a
# postgresql:// URI given to durable_open, nothing else changed), and must
# print the same lines and run the same steps (tests/harness/effects.h) on
# both.  ":setup" runs `PROG setup` first, as crashloop --setup does; ":ARG"
# passes one argument.  The SQLite run is itself checked against plain C by
# the feature_* tests.
set -u
dir=$1
shift
[ -n "${DURABLE_PG_URI:-}" ] || { echo "pg_features.sh: DURABLE_PG_URI is not set (run it under pg_server.sh)" >&2; exit 2; }
command -v psql > /dev/null 2>&1 || { echo "SKIP: psql not found (postgresql-client)"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pg-features.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
base=${DURABLE_PG_URI%/*}
bad=0

# run NAME WHERE SETUP ARG: one run to the end; output in $tmp/NAME.WHERE.{out,effects}
run() {
    name=$1 where=$2 setup=$3 arg=$4 tag=$5
    out=$tmp/$name.$tag
    : > "$out.effects"
    if [ -n "$setup" ]; then
        DURABLE_TEST_DB=$where DURABLE_TEST_EFFECTS=$out.effects "$dir/feature_$name" setup > "$out.setup" 2>&1 ||
            { echo "FAIL: $name on $tag: setup exited $?"; cat "$out.setup"; return 1; }
    fi
    # shellcheck disable=SC2086 # ARG is one word or none
    DURABLE_TEST_DB=$where DURABLE_TEST_EFFECTS=$out.effects "$dir/feature_$name" $arg > "$out.out" 2> "$out.err" ||
        { echo "FAIL: $name on $tag: exited $?"; cat "$out.err"; return 1; }
    sort "$out.effects" > "$out.sorted"
}

for spec in "$@"; do
    name=${spec%%:*}
    rest=${spec#"$name"}
    setup= arg=
    case $rest in
    :setup*) setup=1 rest=${rest#:setup} ;;
    esac
    arg=${rest#:}
    psql -q -v ON_ERROR_STOP=1 "$DURABLE_PG_URI" -c "DROP DATABASE IF EXISTS f_$name" -c "CREATE DATABASE f_$name" \
        > "$tmp/psql.out" 2>&1 || { cat "$tmp/psql.out"; echo "FAIL: could not create database f_$name"; exit 1; }
    run "$name" "$tmp/$name.db" "$setup" "$arg" sqlite || { bad=1; continue; }
    run "$name" "$base/f_$name" "$setup" "$arg" pg || { bad=1; continue; }
    if ! cmp -s "$tmp/$name.sqlite.out" "$tmp/$name.pg.out"; then
        echo "FAIL: $name prints differently on PostgreSQL"
        diff "$tmp/$name.sqlite.out" "$tmp/$name.pg.out" | head -20
        bad=1
    elif ! cmp -s "$tmp/$name.sqlite.sorted" "$tmp/$name.pg.sorted"; then
        echo "FAIL: $name runs different steps on PostgreSQL"
        diff "$tmp/$name.sqlite.sorted" "$tmp/$name.pg.sorted" | head -20
        bad=1
    else
        echo "ok $name: $(wc -l < "$tmp/$name.pg.out") lines, $(wc -l < "$tmp/$name.pg.sorted") steps, the same on both stores"
    fi
done
exit $bad

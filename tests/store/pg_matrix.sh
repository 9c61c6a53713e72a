#!/bin/sh
# pg_matrix.sh CRASHLOOP PLAIN|- CRASHLOOP-ARGS... -- PROGRAM [ARGS...] — run
# under pg_server.sh: one program's matrix on PostgreSQL.
#
# With PLAIN (the same source built as plain C), first the oracle: PLAIN runs
# once, then PROGRAM once straight on a fresh database of the server; their
# stdout must be identical and every step must have run exactly as often
# (the effect lines, as a multiset).  Then, with or without PLAIN, crashloop
# --pg runs PROGRAM straight, killed after and before every commit and at
# random instants, each scenario on a fresh database, and every scenario's
# output must equal the reference's — and the reference must equal PLAIN's
# output when PLAIN was given.
#
# PROGRAM takes its database as crashloop gives it: $DURABLE_TEST_DB, or an
# argument written @DB@.
set -u
crashloop=$1 plain=$2
shift 2
[ -n "${DURABLE_PG_URI:-}" ] || { echo "pg_matrix.sh: DURABLE_PG_URI is not set (run it under pg_server.sh)" >&2; exit 2; }
command -v psql > /dev/null 2>&1 || { echo "SKIP: psql not found (postgresql-client)"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/durable-pgm.XXXXXX") || exit 2
trap 'rm -rf "$dir"' EXIT

expect=
if [ "$plain" != - ]; then
    # the program and its arguments: what follows the first --
    n=0 found=0
    for a in "$@"; do
        n=$((n + 1))
        [ "$a" = -- ] && { found=1; break; }
    done
    [ $found = 1 ] || { echo "pg_matrix.sh: no -- before the program" >&2; exit 2; }
    args=$(i=0; for a in "$@"; do i=$((i + 1)); [ $i -gt $n ] && printf '%s\n' "$a"; done)
    base=${DURABLE_PG_URI%/*}
    psql -X -q -v ON_ERROR_STOP=1 "$DURABLE_PG_URI" -c 'DROP DATABASE IF EXISTS pgm_once WITH (FORCE)' \
        -c 'CREATE DATABASE pgm_once' > /dev/null || { echo "pg_matrix.sh: could not make a database" >&2; exit 2; }
    db=$base/pgm_once
    # the program's words, @DB@ replaced, one per line (no word holds a newline)
    prog=$(printf '%s\n' "$args" | head -n 1)
    rest=$(printf '%s\n' "$args" | tail -n +2 | sed "s|^@DB@\$|$db|")
    # shellcheck disable=SC2086 # the arguments are words without blanks
    DURABLE_TEST_EFFECTS="$dir/plain.effects" "$plain" $(printf '%s\n' "$args" | tail -n +2 | sed "s|^@DB@\$|$dir/plain.db|") \
        > "$dir/plain.out" || { echo "pg_matrix.sh: the plain-C run failed"; exit 1; }
    # shellcheck disable=SC2086
    DURABLE_TEST_DB=$db DURABLE_TEST_EFFECTS="$dir/durable.effects" "$prog" $rest > "$dir/durable.out" ||
        { echo "pg_matrix.sh: the durable run on the server failed"; exit 1; }
    diff -u "$dir/plain.out" "$dir/durable.out" || { echo "pg_matrix.sh: output differs from plain C"; exit 1; }
    sort "$dir/plain.effects" > "$dir/p.sorted" 2> /dev/null || : > "$dir/p.sorted"
    sort "$dir/durable.effects" > "$dir/d.sorted" 2> /dev/null || : > "$dir/d.sorted"
    diff -u "$dir/p.sorted" "$dir/d.sorted" || { echo "pg_matrix.sh: steps differ from plain C"; exit 1; }
    echo "pg_matrix.sh: on the server: the same output and the same steps as plain C ($(wc -l < "$dir/p.sorted") steps)"
    expect="--expect $dir/plain.out"
fi
# shellcheck disable=SC2086 # optional words
"$crashloop" --pg "$DURABLE_PG_URI" $expect "$@"

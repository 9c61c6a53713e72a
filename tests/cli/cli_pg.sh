#!/bin/sh
# cli_pg.sh CLI_TEST CASE... — run under tests/store/pg_server.sh
# (DURABLE_PG_URI set): each case of cli_test.sh again on a fresh database
# of that server, the tool given its URI (CLI_STORE=pg), with the same
# expectations as on a file.  Every case runs; exits 1 if any failed.
set -u
cli_test=$1
shift
[ -n "${DURABLE_PG_URI:-}" ] || { echo "cli_pg.sh: DURABLE_PG_URI is not set (run it under pg_server.sh)" >&2; exit 2; }
. "$(dirname "$0")/../store/pg_bin.sh" # bindir, or exit 77 without the server binaries
PSQL=$bindir/psql
[ -x "$PSQL" ] || PSQL=$(command -v psql) || { echo "cli_pg.sh: no psql beside $bindir/pg_ctl nor on PATH" >&2; exit 1; }
export PSQL CLI_STORE=pg
root=$WORK
bad=0
for c in "$@"; do
    if WORK=$root/$c sh "$cli_test" "$c" > "$root.$c.log" 2>&1; then
        echo "ok $c"
    else
        echo "FAIL $c:"
        cat "$root.$c.log"
        bad=1
    fi
done
exit $bad

#!/bin/sh
# pg_server.sh COMMAND [ARGS...] — run COMMAND against a PostgreSQL server of
# its own: initdb into a temporary directory, pg_ctl start on a free loopback
# port (its unix socket in that directory too), COMMAND run with
# DURABLE_PG_URI=postgresql://postgres@127.0.0.1:PORT/postgres in its
# environment, then the server stopped and the directory deleted (trap, on
# every exit).  fsync is off (tests need no durability against power loss)
# unless PG_SERVER_FSYNC=on (the benchmarks).  Run as root, the server runs
# as the `postgres` user (initdb refuses root).  The server binaries are found on PATH, in $PG_BIN, or in
# the newest /usr/lib/postgresql/*/bin; without them this exits 77 (ctest
# SKIP) and says why.  Exits with COMMAND's status.
set -u

. "$(dirname "$0")/pg_bin.sh" # bindir and $as, or exit 77

dir=$(mktemp -d "${TMPDIR:-/tmp}/durable-pg.XXXXXX") || exit 1
started=0
cleanup() {
    if [ "$started" = 1 ]; then
        $as "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop > /dev/null 2>&1
    fi
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
[ -n "$as" ] && chown postgres "$dir"
chmod 700 "$dir"

if ! $as "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C \
        > "$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    echo "pg_server.sh: initdb failed" >&2
    exit 1
fi

# A free port: one no server answers on, and pg_ctl's start proves it (a
# port taken meanwhile fails the start, and the next one is tried).
try=0
port=
while [ $try -lt 20 ]; do
    try=$((try + 1))
    p=$(( (($$ * 7 + try * 1237) % 30000) + 20000 ))
    if $as "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
            -o "-c listen_addresses=127.0.0.1 -p $p -c unix_socket_directories=$dir -c fsync=${PG_SERVER_FSYNC:-off}" \
            start > /dev/null 2>&1; then
        port=$p
        started=1
        break
    fi
done
if [ -z "$port" ]; then
    cat "$dir/server.log" >&2 2> /dev/null
    echo "pg_server.sh: the server did not start" >&2
    exit 1
fi

DURABLE_PG_URI="postgresql://postgres@127.0.0.1:$port/postgres"
export DURABLE_PG_URI
"$@"
status=$?
if [ $status -ne 0 ] && [ $status -ne 77 ]; then
    echo "--- server log:" >&2
    tail -n 30 "$dir/server.log" >&2
fi
exit $status

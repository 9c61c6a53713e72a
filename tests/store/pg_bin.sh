# pg_bin.sh — sourced by the scripts that start PostgreSQL servers of their
# own: sets bindir (initdb, pg_ctl, ...: on PATH, in $PG_BIN, or in the
# newest /usr/lib/postgresql/*/bin; without them it exits 77, ctest's SKIP,
# and says why) and $as (run as the postgres user when we are root, since
# initdb refuses root).
bindir=
if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ]; then
    bindir=$PG_BIN
elif command -v initdb > /dev/null 2>&1 && command -v pg_ctl > /dev/null 2>&1; then
    bindir=$(dirname "$(readlink -f "$(command -v initdb)")") # the real one, beside its tools
else
    for d in $(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V); do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && bindir=$d
    done
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/pg_ctl" ]; then
    echo "SKIP: no PostgreSQL server binaries (initdb, pg_ctl): install postgresql-15 or set PG_BIN"
    exit 77
fi

as=
if [ "$(id -u)" = 0 ]; then
    if ! id postgres > /dev/null 2>&1; then
        echo "pg_server.sh: running as root and there is no postgres user to run the server" >&2
        exit 1
    fi
    as="runuser -u postgres --"
fi


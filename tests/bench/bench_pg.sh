#!/bin/sh
# bench_pg.sh BENCH_PG [RUNS] — run the PostgreSQL benchmark (bench_pg) RUNS
# times (default 1) on a server of its own that tests/store/pg_server.sh
# starts, with fsync on (the server's defaults otherwise: synchronous_commit
# on), so that a commit waits for the disk as it would in production.
#   sh tests/bench/bench_pg.sh build/tests/bench/bench_pg 3
set -u
bench=${1:?usage: bench_pg.sh BENCH_PG [RUNS]}
runs=${2:-1}
PG_SERVER_FSYNC=on
export PG_SERVER_FSYNC
exec sh "$(dirname "$0")/../store/pg_server.sh" sh -c '
i=1
while [ $i -le "$1" ]; do
    echo "=== run $i of $1, $(date -u +%H:%M:%S) UTC, load average $(cut -d" " -f1-3 /proc/loadavg)"
    "$0" "$DURABLE_PG_URI" || exit 1
    i=$((i + 1))
done' "$bench" "$runs"

#!/bin/sh
# pg_crash.sh CRASHLOOP DIR NAME[:setup][:ARG] ... — run under pg_server.sh:
# the crash matrix on PostgreSQL.  Each feature program DIR/feature_NAME runs
# under crashloop --pg, every scenario on a fresh database of the server:
# straight, killed after and before every commit, and at 5 random instants;
# its output must equal the reference run's (and NAME.expected, when the
# feature has one) in all of them.
set -u
crashloop=$1 dir=$2
shift 2
[ -n "${DURABLE_PG_URI:-}" ] || { echo "pg_crash.sh: DURABLE_PG_URI is not set (run it under pg_server.sh)" >&2; exit 2; }
command -v psql > /dev/null 2>&1 || { echo "SKIP: psql not found (postgresql-client)"; exit 77; }
src=$(cd "$(dirname "$0")/../features" && pwd)
bad=0
for spec in "$@"; do
    name=${spec%%:*}
    rest=${spec#"$name"}
    setup=
    case $rest in
    :setup*) setup="--setup setup" rest=${rest#:setup} ;;
    esac
    arg=${rest#:}
    expect=
    [ -f "$src/$name.expected" ] && expect="--expect $src/$name.expected"
    # shellcheck disable=SC2086 # optional words
    "$crashloop" --pg "$DURABLE_PG_URI" --name "pg_$name" $setup $expect --random 5 -- "$dir/feature_$name" $arg ||
        bad=1
done
exit $bad

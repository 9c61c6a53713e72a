#!/bin/sh
# faults_store.sh CRASHLOOP DIR KINDS STRIDE NAME[:setup][:ARG] ... — the
# store-fault sweeps: each feature program DIR/feature_NAME runs under
# crashloop --faults KINDS --stride STRIDE (runtime/src/store_fault.c), the
# fault at every STRIDEth store call (or commit) of its reference run, each
# position on a fresh store, restarted after a call returned an error; its
# output must equal the reference run's (and NAME.expected, when the feature
# has one).  With DURABLE_PG_URI set (run under tests/store/pg_server.sh) on
# databases of that server, else on SQLite files.  docs/testing.md.
set -u
crashloop=$1 dir=$2 kinds=$3 stride=$4
shift 4
src=$(cd "$(dirname "$0")/../features" && pwd)
pg=
if [ -n "${DURABLE_PG_URI:-}" ]; then
    command -v psql > /dev/null 2>&1 || { echo "SKIP: psql not found (postgresql-client)"; exit 77; }
    pg="--pg $DURABLE_PG_URI"
fi
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
    "$crashloop" $pg --name "$name" $setup $expect --faults "$kinds" --stride "$stride" -- "$dir/feature_$name" $arg ||
        bad=1
done
exit $bad

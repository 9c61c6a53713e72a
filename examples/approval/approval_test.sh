#!/bin/sh
# approval_test.sh APPROVAL DURABLE CRASHLOOP — three expenses: one approved
# and one rejected by signals sent with the durable tool, one that nobody
# answers (escalated after two virtual days); the run that decides them is
# killed after and before every commit and at random instants.  Under
# tests/store/pg_server.sh (DURABLE_PG_URI set) every database is one of that
# PostgreSQL server's, the same binaries given a URI.
set -u
app=$1 cli=$2 crashloop=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/program.sh" <<EOS
#!/bin/sh
if [ "\${1:-}" = setup ]; then  # file three expenses, decide two from the shell
    set -e
    for e in "exp-1 ana 4200" "exp-2 bo 99900" "exp-3 cy 1500"; do
        "$app" "\$DURABLE_TEST_DB" start \$e > /dev/null
    done
    "$cli" signal "\$DURABLE_TEST_DB" exp-1 decision approve > /dev/null
    "$cli" signal "\$DURABLE_TEST_DB" exp-2 decision reject > /dev/null
    exit 0
fi
"$app" "\$DURABLE_TEST_DB" run --fast > /dev/null
st=\$?
[ \$st -eq 137 ] && kill -9 \$\$   # killed by the crash knob: die the same way
[ \$st -eq 0 ] || exit \$st
for id in exp-1 exp-2 exp-3; do "$app" "\$DURABLE_TEST_DB" status \$id; done
EOS
out=$("$crashloop" ${DURABLE_PG_URI:+--pg "$DURABLE_PG_URI"} --name approval --setup setup \
    --random "${APPROVAL_RANDOM:-10}" -- sh "$dir/program.sh") || { echo "$out"; exit 1; }
echo "$out"
for want in "exp-1: approved" "exp-2: rejected" "exp-3: rejected"; do
    echo "$out" | grep -q "$want" || { echo "FAIL: expected '$want'"; exit 1; }
done

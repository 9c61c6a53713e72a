#!/bin/sh
# billing_test.sh BILLING DURABLE CRASHLOOP — three subscriptions on the
# virtual clock: acme for three years from January 2027, initech for one year
# from February 2028 (a leap year), and globex, cancelled by the durable tool
# in its first month (it handles the cancellation, so it ends done, with what
# it billed).  First one uninterrupted run that checks the invoice
# dates, then the run that bills them all killed after and before every
# commit and at random instants.  Under tests/store/pg_server.sh
# (DURABLE_PG_URI set) every database is one of that PostgreSQL server's, the
# same binaries given a URI.
set -u
app=$1 cli=$2 crashloop=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# One run straight through: every first of the month, in order, once.  (Each
# start bills the first month at once, then sleeps.)
db=$dir/once.db
if [ -n "${DURABLE_PG_URI:-}" ]; then
    psql -X -q -v ON_ERROR_STOP=1 "$DURABLE_PG_URI" -c 'CREATE DATABASE billing_once' > /dev/null ||
        fail "could not make a database on the server"
    db=${DURABLE_PG_URI%/*}/billing_once
fi
{ "$app" "$db" start acme 2027 1 3 1999 && "$app" "$db" start initech 2028 2 1 4900 &&
  "$app" "$db" start globex 2027 6 2 2500; } > "$dir/once.out" || fail "start: $(cat "$dir/once.out")"
"$cli" cancel "$db" globex > /dev/null || fail "durable cancel"
"$app" "$db" run --fast >> "$dir/once.out" || fail "run: $(cat "$dir/once.out")"
n=$(grep -c "invoiced acme" "$dir/once.out")
[ "$n" -eq 36 ] || fail "acme: $n invoices, expected 36"
n=$(grep -c "invoiced initech" "$dir/once.out")
[ "$n" -eq 12 ] || fail "initech: $n invoices, expected 12"
grep -q "2029-12-01 invoiced acme" "$dir/once.out" || fail "acme's last invoice is not 2029-12-01"
grep -q "2030-01-01 invoiced acme" "$dir/once.out" && fail "acme billed past its three years"
grep "invoiced initech" "$dir/once.out" | sed -n '1p;12p' | tr '\n' ' ' |
    grep -q "2028-02-01 .*2029-01-01 " || fail "initech's invoices are not 2028-02-01 .. 2029-01-01"
grep -q "globex cancelled: final statement, 1 invoices, \$25.00" "$dir/once.out" ||
    fail "globex's final statement: $(grep globex "$dir/once.out")"
for id in acme initech globex; do "$app" "$db" status $id; done > "$dir/status.out"
printf 'acme: billed $719.64\ninitech: billed $588.00\nglobex: billed $25.00\n' | cmp -s - "$dir/status.out" ||
    fail "status: $(cat "$dir/status.out")"

# The crash matrix.
cat > "$dir/program.sh" <<EOS
#!/bin/sh
if [ "\${1:-}" = setup ]; then
    set -e
    "$app" "\$DURABLE_TEST_DB" start acme 2027 1 3 1999 > /dev/null
    "$app" "\$DURABLE_TEST_DB" start initech 2028 2 1 4900 > /dev/null
    "$app" "\$DURABLE_TEST_DB" start globex 2027 6 2 2500 > /dev/null
    "$cli" cancel "\$DURABLE_TEST_DB" globex > /dev/null
    exit 0
fi
"$app" "\$DURABLE_TEST_DB" run --fast --quiet
st=\$?
[ \$st -eq 137 ] && kill -9 \$\$   # killed by the crash knob: die the same way
[ \$st -eq 0 ] || exit \$st
for id in acme initech globex; do "$app" "\$DURABLE_TEST_DB" status \$id; done
EOS
out=$("$crashloop" ${DURABLE_PG_URI:+--pg "$DURABLE_PG_URI"} --name billing --setup setup \
    --random "${BILLING_RANDOM:-10}" -- sh "$dir/program.sh") || { echo "$out"; exit 1; }
echo "$out"
for want in 'acme: billed $719.64' 'initech: billed $588.00' 'globex: billed $25.00'; do
    echo "$out" | grep -qF "$want" || fail "expected '$want'"
done
echo PASS

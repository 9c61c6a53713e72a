#!/bin/sh
# old_file_test.sh BASE EDIT CLI MAKE_OLD DIR — a file written before await identity
# was stored (no place and text columns in durable_schema_awaits, no build
# column in durable_history) still opens, `durable history` reads it, and
# its frames are upgraded conservatively: an await whose callee is unique in
# both builds resumes; one of several awaits of its callee is held, with why.
set -u
base=$1 edit=$2 cli=$3 make_old=$4 dir=$5
fail() { echo "FAIL: $*"; exit 1; }
db=$dir/old.db
export DURABLE_TEST_DB="$db" DURABLE_TEST_EFFECTS="$dir/old.effects"
mkdir -p "$dir"
seen=""
n=1
while [ $n -le 60 ]; do
    rm -f "$db" "$db-wal" "$db-shm" "$dir/old.effects"
    DURABLE_CRASH=after:$n "$base" > /dev/null 2>&1
    [ $? -eq 137 ] || break
    state=$("$cli" show "$db" u1 --json | sed -n 's/^ *"state": \([0-9]*\),*$/\1/p')
    n=$((n + 1))
    case "$state" in 1|4|5) ;; *) continue ;; esac
    "$make_old" "$db" || fail "could not make the file old"
    "$cli" history "$db" u1 > /dev/null || fail "durable history on the old file"
    "$cli" show "$db" u1 --json | grep -q '"place": null' || fail "durable show invents marks for the old file"
    out=$("$edit" 2>&1) || fail "edited build on the old file (await $state): $out"
    echo "await $state: $(echo "$out" | tail -n 1)"
    case $state in
    1) echo "$out" | grep -q "^u1: done 8162795$" || fail "await 1 (step_a, unique) did not resume: $out" ;;
    *) echo "$out" | grep -q "^u1: held" || fail "await $state did not hold: $out"
       echo "$out" | grep -q "is one of several awaits of .*the old build recorded no text and place" ||
           fail "await $state: not the reason expected: $out"
       out=$("$base" 2>&1)
       [ "$out" = "u1: done 8162795" ] || fail "await $state: the base build did not finish it: $out" ;;
    esac
    "$cli" history "$db" u1 --json > "$dir/h.json" || fail "durable history after the upgrade"
    grep -q '"build": null' "$dir/h.json" || fail "old rows are not shown as unlabelled"
    grep -q '"build": "[0-9a-f]*"' "$dir/h.json" || fail "the rows written since are not labelled"
    seen="$seen$state"
done
[ "$seen" = 145 ] || fail "did not reach awaits 1, 4 and 5 (reached '$seen')"
echo PASS

#!/bin/sh
# ident_test.sh BASE BASE_PLAIN EDIT EDIT_PLAIN CLI DIR HOLDS REASON
#
# Kill build BASE of flow right after each of its commits in turn (so at
# every await it reaches), then let the edited build EDIT take the workflow
# over.  At an old await listed in HOLDS (comma-separated ids) EDIT must hold
# it with a reason matching REASON, and BASE must then finish it as if
# nothing had happened; at any other await EDIT must finish it with the
# result of EDIT built as plain C.  Either way no step may run twice (the
# step-run log), every step the two plain runs share must have run, and
# `durable history` must label the rows of each build with its schema.
set -u
base=$1 base_plain=$2 edit=$3 edit_plain=$4 cli=$5 dir=$6 holds=$7 reason=$8
fail() { echo "FAIL: $*"; exit 1; }
db=$dir/ident.db effects=$dir/ident.effects
export DURABLE_TEST_DB="$db" DURABLE_TEST_EFFECTS="$effects"
mkdir -p "$dir"

rm -f "$effects"; want_base=$("$base_plain") || fail "plain base"; sort "$effects" > "$dir/p1"
rm -f "$effects"; want_edit=$("$edit_plain") || fail "plain edit"; sort "$effects" > "$dir/p2"
comm -12 "$dir/p1" "$dir/p2" > "$dir/common"
sort -u "$dir/p1" "$dir/p2" > "$dir/any"

# The schema fingerprint of each build (the same when an edit leaves the
# frame layout, the awaits and their marks alone: then nothing is upgraded).
schema_of() {
    rm -f "$db" "$db-wal" "$db-shm"
    DURABLE_CRASH=after:1 "$1" > /dev/null 2>&1
    "$cli" show "$db" u1 --json | sed -n 's/^ *"schema": "\([0-9a-f]*\)".*/\1/p'
}
fp_base=$(schema_of "$base") fp_edit=$(schema_of "$edit")
[ -n "$fp_base" ] && [ -n "$fp_edit" ] || fail "no schema fingerprints"

held=0 resumed=0 n=1
while :; do
    rm -f "$db" "$db-wal" "$db-shm" "$effects"
    DURABLE_CRASH=after:$n "$base" > /dev/null 2>&1
    st=$?
    [ $st -eq 0 ] && break # the base build finished: no commit left to kill after
    [ $st -eq 137 ] || fail "base build killed after commit $n exited $st"
    "$cli" show "$db" u1 --json > "$dir/show.json" || fail "durable show after commit $n"
    if grep -q '^  "status": "done"' "$dir/show.json"; then # killed after its last commit
        out=$("$edit" 2>&1)
        [ "$out" = "$want_base" ] || fail "finished by the base build: '$out', plain C '$want_base'"
        break
    fi
    state=$(sed -n 's/^ *"state": \([0-9]*\),*$/\1/p' "$dir/show.json")
    [ -n "$state" ] || fail "no state after commit $n"
    out=$("$edit" 2>&1) || fail "edited build after commit $n: $out"
    case ",$holds," in
    *",$state,"*)
        echo "$out" | grep -q "^u1: held" || fail "commit $n (await $state): expected held, got: $out"
        echo "$out" | grep -Eq "$reason" || fail "commit $n (await $state): reason does not match '$reason': $out"
        echo "commit $n, await $state: $(echo "$out" | tail -n 1)"
        "$cli" show "$db" u1 --json | grep -q '"place": "body' || fail "commit $n: durable show has no place"
        out=$("$base" 2>&1) || fail "base build after the hold: $out"
        [ "$out" = "$want_base" ] || fail "commit $n: base build after the hold gave '$out', plain C '$want_base'"
        expect=$dir/p1 held=$((held + 1)) ;;
    *)
        [ "$out" = "$want_edit" ] || fail "commit $n (await $state): '$out', plain C of the edit: '$want_edit'"
        echo "commit $n, await $state: resumed, $out"
        "$cli" history "$db" u1 --json > "$dir/history.json" || fail "durable history"
        sed -n 's/^ *"build": "\([0-9a-f]*\)".*/\1/p' "$dir/history.json" > "$dir/builds"
        [ "$(head -n 1 "$dir/builds")" = "$fp_base" ] ||
            fail "commit $n: the first history row is not labelled $fp_base"
        [ "$(tail -n 1 "$dir/builds")" = "$fp_edit" ] || fail "commit $n: the last history row is not labelled $fp_edit"
        [ "$(sort -u "$dir/builds" | wc -l)" -le 2 ] || fail "commit $n: history names more than two builds"
        expect=$dir/common resumed=$((resumed + 1)) ;;
    esac
    sort "$effects" > "$dir/ran"
    dups=$(uniq -d "$dir/ran")
    [ -z "$dups" ] || fail "commit $n (await $state): steps ran twice: $dups"
    missing=$(comm -23 "$expect" "$dir/ran")
    [ -z "$missing" ] || fail "commit $n (await $state): steps never ran: $missing"
    extra=$(comm -13 "$dir/any" "$dir/ran")
    [ -z "$extra" ] || fail "commit $n (await $state): steps neither build has: $extra"
    n=$((n + 1))
    [ $n -le 60 ] || fail "the base build did not finish in 60 commits"
done
want_holds=$(echo "$holds" | tr ',' '\n' | grep -c .)
[ $held -ge "$want_holds" ] || fail "held $held times, expected at least one per await in '$holds'"
[ $resumed -gt 0 ] || fail "never resumed"
echo "PASS: $resumed resumed, $held held"

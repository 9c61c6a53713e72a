#!/bin/sh
# editor_test.sh clangd FILE INCLUDE WORK — clangd --check on FILE with a
#   compile_commands.json of the project's ordinary flags (no -D__DCC__):
#   no error may be reported.  77 when clangd is not installed.
# editor_test.sh plain-cc CC FILE INCLUDE WORK — FILE, which holds durable
#   code, compiled by CC as plain C: the build must fail, and say why with
#   the message that names dcc.
set -u
fail() { echo "FAIL: $*"; exit 1; }
flags="-std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes"
case $1 in
clangd)
    file=$2 inc=$3 work=$4
    command -v clangd > /dev/null || { echo "SKIP: clangd is not installed"; exit 77; }
    rm -rf "$work" && mkdir -p "$work" || fail "cannot make $work"
    printf '[{"directory": "%s", "file": "%s", "command": "cc %s -I%s -c %s"}]\n' \
        "$work" "$file" "$flags" "$inc" "$file" > "$work/compile_commands.json"
    clangd --check="$file" --compile-commands-dir="$work" > "$work/clangd.log" 2>&1
    grep -q "Loaded compilation database from $work/compile_commands.json" "$work/clangd.log" ||
        { cat "$work/clangd.log"; fail "clangd did not read $work/compile_commands.json"; }
    # Each diagnostic is an E[...] line; the summary counts them.
    if grep '^E\[' "$work/clangd.log"; then
        fail "clangd reports errors in $file"
    fi
    grep -q "All checks completed, 0 errors" "$work/clangd.log" ||
        { cat "$work/clangd.log"; fail "clangd did not complete its checks of $file"; }
    echo "PASS: clangd sees no error in $file"
    ;;
plain-cc)
    cc=$2 file=$3 inc=$4 work=$5
    rm -rf "$work" && mkdir -p "$work" || fail "cannot make $work"
    # shellcheck disable=SC2086
    if "$cc" $flags -I"$inc" -c "$file" -o "$work/out.o" > "$work/cc.log" 2>&1; then
        fail "$cc built $file as plain C"
    fi
    cat "$work/cc.log"
    grep -q "must be translated by dcc: compile this file with dcc" "$work/cc.log" ||
        fail "$cc refused $file without naming dcc"
    # Every refusal names dcc: no other error (a type error, say) is allowed.
    if grep "error:" "$work/cc.log" | grep -v "translated by dcc"; then
        fail "$cc reports errors that do not name dcc"
    fi
    echo "PASS: $cc refuses $file, naming dcc"
    ;;
*)
    fail "unknown case $1"
    ;;
esac

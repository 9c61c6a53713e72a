#!/bin/sh
# wrapper_test.sh — behaviour tests of dcc as a compiler driver.  One ctest
# entry per case (see CMakeLists.txt); each case runs in its own scratch
# directory with its own TMPDIR, which must be empty when the case ends
# (dcc never leaves temporary files behind).
#
# usage: wrapper_test.sh CASE
# environment (set by ctest): DCC, REAL_CC, FIXTURES, PROJECTS, WORK,
#   DURABLE_INCLUDE, DURABLE_LIB, CMAKE
# Exit 0 = pass, 1 = fail, 77 = skipped (with the reason on stdout).

set -u
CASE=$1
unset DCC_VERBOSE CC CFLAGS CPPFLAGS LDFLAGS MAKEFLAGS MFLAGS
# A sanitizer build's libdurable needs the same flags where projects link it.
LDFLAGS=${DURABLE_TEST_LDFLAGS:-}
export LDFLAGS
# The compiler dcc runs, unless a case says otherwise (see `launcher`).
export DCC_CC="$REAL_CC"
W=$WORK/$CASE
rm -rf "$W"
mkdir -p "$W/tmp"
export TMPDIR="$W/tmp"
cd "$W" || exit 1

fail() {
    echo "FAIL [$CASE]: $*"
    exit 1
}
skip() {
    echo "SKIP [$CASE]: $*"
    exit 77
}
# run CMD...: run, keeping stdout in out.txt, stderr in err.txt, status in $rc
run() {
    "$@" >out.txt 2>err.txt
    rc=$?
}
expect_rc() { # expected, what
    [ "$rc" -eq "$1" ] || {
        cat err.txt
        fail "$2: exit status $rc, expected $1"
    }
}
expect_grep() { # pattern file what
    grep -q -e "$1" "$2" || {
        echo "--- $2:"
        cat "$2"
        fail "$3: no '$1' in $2"
    }
}
expect_no_grep() { # pattern file what
    if grep -q -e "$1" "$2"; then
        echo "--- $2:"
        cat "$2"
        fail "$3: unexpected '$1' in $2"
    fi
}
# The real translator is linked in once --emit-c of a durable file gives
# something else than the file itself.
need_translator() {
    "$DCC" --emit-c "$FIXTURES/sum.c" -I"$DURABLE_INCLUDE" >probe.c 2>/dev/null
    st=$?
    if [ $st -eq 0 ] && cmp -s probe.c "$FIXTURES/sum.c"; then
        skip "the translator is not built into dcc yet (--emit-c returns the input)"
    fi
    rm -f probe.c
}
need_runtime() {
    [ -f "$DURABLE_LIB" ] || skip "runtime library $DURABLE_LIB is not built"
}
have() { command -v "$1" >/dev/null 2>&1; }
# flat FILE: a make-rule file with its backslash-newlines joined, as FILE.flat
# (where the compiler wraps lines depends on how long the names are)
flat() {
    sed -e ':a' -e '/\\$/N' -e 's/ *\\\n */ /' -e 'ta' "$1" >"$1.flat"
}

# Every case ends here: nothing may be left in the private TMPDIR.
finish() {
    left=$(ls -A "$TMPDIR")
    [ -z "$left" ] || fail "temporary files left behind in $TMPDIR: $left"
    echo "PASS [$CASE]"
    exit 0
}

case $CASE in

# ---- pass-through: files without durable code reach the compiler untouched
passthrough_exec)
    DCC_VERBOSE=1 run "$DCC" -c "$FIXTURES/plain.c" -o dcc.o -DX=1 "-DY=a b" -O1
    expect_rc 0 "dcc -c plain.c"
    expect_grep "^dcc: exec: $REAL_CC -c $FIXTURES/plain.c -o dcc.o -DX=1 '-DY=a b' -O1\$" err.txt \
        "argv passed unchanged, by exec"
    "$REAL_CC" -c "$FIXTURES/plain.c" -o cc.o -DX=1 "-DY=a b" -O1 || fail "cc itself failed"
    cmp -s dcc.o cc.o || fail "object differs from cc's"
    ;;

passthrough_E)
    run "$DCC" -E -DPLAIN_MAIN "$FIXTURES/plain.c"
    expect_rc 0 "dcc -E"
    mv out.txt dcc.i
    "$REAL_CC" -E -DPLAIN_MAIN "$FIXTURES/plain.c" >cc.i || fail "cc -E failed"
    cmp -s dcc.i cc.i || fail "-E output differs from cc's"
    ;;

passthrough_S)
    run "$DCC" -S -O2 "$FIXTURES/plain.c" -o dcc.s
    expect_rc 0 "dcc -S"
    "$REAL_CC" -S -O2 "$FIXTURES/plain.c" -o cc.s || fail "cc -S failed"
    cmp -s dcc.s cc.s || fail "-S output differs from cc's"
    ;;

passthrough_M)
    for flags in "-M" "-MM" "-MM -MT custom" "-MM -MG -MP"; do
        # shellcheck disable=SC2086
        run "$DCC" $flags "$FIXTURES/plain.c"
        expect_rc 0 "dcc $flags"
        mv out.txt dcc.d
        # shellcheck disable=SC2086
        "$REAL_CC" $flags "$FIXTURES/plain.c" >cc.d || fail "cc $flags failed"
        cmp -s dcc.d cc.d || fail "dcc $flags output differs from cc's"
    done
    run "$DCC" -c "$FIXTURES/plain.c" -o p.o -MD -MF p.d
    expect_rc 0 "dcc -MD -MF"
    expect_grep "^p.o: $FIXTURES/plain.c" p.d "-MD rule"
    ;;

multi_inputs)
    run "$DCC" -c "$FIXTURES/plain.c" "$FIXTURES/twice.c"
    expect_rc 0 "dcc -c a.c b.c"
    [ -f plain.o ] && [ -f twice.o ] || fail "dcc -c a.c b.c: objects missing"
    run "$DCC" -DPLAIN_MAIN "$FIXTURES/plain.c" twice.o -o prog
    expect_rc 0 "dcc a.c b.o -o prog"
    ./prog >prog.out || fail "the linked program failed"
    expect_grep "plain=42" prog.out "program output"
    ;;

launcher)
    # CMAKE_C_COMPILER_LAUNCHER=dcc: `dcc <compiler> args...`
    unset DCC_CC
    DCC_VERBOSE=1 run "$DCC" "$REAL_CC" -c "$FIXTURES/plain.c" -o a.o
    expect_rc 0 "dcc $REAL_CC -c"
    expect_grep "^dcc: exec: $REAL_CC -c " err.txt "the launcher's compiler is used"
    for c in gcc clang cc; do
        have $c || continue
        DCC_VERBOSE=1 run "$DCC" $c -c "$FIXTURES/plain.c" -o $c.o
        expect_rc 0 "dcc $c -c"
        expect_grep "^dcc: exec: $c -c " err.txt "dcc $c"
    done
    # $DCC_CC wins over the launcher's compiler
    DCC_CC="$REAL_CC" DCC_VERBOSE=1 run "$DCC" /nonexistent/bin/gcc -c "$FIXTURES/plain.c" -o b.o
    expect_rc 0 "DCC_CC over the launcher's compiler"
    expect_grep "^dcc: exec: $REAL_CC -c " err.txt "DCC_CC used"
    # dcc options before the compiler
    DCC_VERBOSE=1 run "$DCC" --keep "$REAL_CC" -c "$FIXTURES/plain.c" -o c.o
    expect_rc 0 "dcc --keep <compiler>"
    [ -f c.o ] || fail "dcc --keep <compiler>: no object"
    ;;

response_file)
    mkdir -p "sp ace"
    cp "$FIXTURES/plain.c" "sp ace/plain.c"
    cp -r "$FIXTURES/sub" "sp ace/sub"
    printf '%s\n' "-c \"sp ace/plain.c\"" "-o 'r s.o'" >args.rsp
    run "$DCC" @args.rsp -O1
    expect_rc 0 "dcc @file"
    [ -f "r s.o" ] || fail "response file: output missing"
    ;;

spaces)
    mkdir -p "a dir/sub"
    cp "$FIXTURES/plain.c" "a dir/"
    cp "$FIXTURES/sub/plain.h" "a dir/sub/"
    run "$DCC" -c "a dir/plain.c" -o "a dir/out put.o" -MD
    expect_rc 0 "paths with spaces"
    [ -f "a dir/out put.o" ] || fail "object with a space missing"
    expect_grep 'a\\ dir/plain.c' "a dir/out put.d" "escaped path in the .d"
    ;;

exit_codes)
    "$REAL_CC" -c nonexistent.c -o x.o 2>/dev/null
    want=$?
    run "$DCC" -c nonexistent.c -o x.o
    expect_rc "$want" "a missing input: cc's status"
    printf 'int f(void) { return nope; }\n' >bad.c
    "$REAL_CC" -c bad.c -o x.o 2>/dev/null
    want=$?
    run "$DCC" -c bad.c -o x.o
    expect_rc "$want" "a compile error: cc's status"
    expect_grep "bad.c:1:" err.txt "the compiler's diagnostic"
    DCC_CC=/nonexistent/cc run "$DCC" -c "$FIXTURES/plain.c"
    expect_rc 2 "a real compiler that does not exist"
    expect_grep "dcc: error: cannot run the C compiler" err.txt "message"
    DCC_CC="$DCC" run "$DCC" -c "$FIXTURES/plain.c"
    expect_rc 2 "a real compiler that is dcc"
    run "$DCC" --emit-c
    expect_rc 1 "--emit-c without a file"
    ;;

version_help)
    run "$DCC" --version
    expect_rc 0 "dcc --version"
    expect_grep "^dcc (Durable C) " out.txt "dcc's version line"
    [ "$(wc -l <out.txt)" -ge 2 ] || fail "--version: the real compiler's version is missing"
    run "$DCC" --help
    expect_rc 0 "dcc --help"
    expect_grep "^usage: dcc" out.txt "usage"
    ;;

# ---- translation: durable files are translated and compiled as copies
durable_compile)
    need_translator
    DCC_VERBOSE=1 run "$DCC" -c "$FIXTURES/sum.c" -o sum.o -I"$DURABLE_INCLUDE" -Wall
    expect_rc 0 "dcc -c sum.c"
    expect_grep "^dcc: run: " err.txt "compiled from a translated copy"
    [ -f sum.o ] || fail "sum.o missing"
    nm sum.o >nm.txt || fail "nm sum.o"
    expect_grep "sum_to" nm.txt "the durable function's symbols"
    # -c with the default output name, -S, -E
    run "$DCC" -c "$FIXTURES/sum.c"
    expect_rc 0 "dcc -c sum.c (no -o)"
    [ -f sum.o ] || fail "default object name from the original basename"
    run "$DCC" -S "$FIXTURES/sum.c"
    expect_rc 0 "dcc -S sum.c"
    [ -f sum.s ] || fail "default -S name from the original basename"
    run "$DCC" -E "$FIXTURES/sum.c"
    expect_rc 0 "dcc -E sum.c"
    expect_grep "$FIXTURES/sum.c" out.txt "-E line markers name the original"
    expect_grep "sum_to__step" out.txt "-E output is of the translated file"
    expect_grep "^# 0 \"$FIXTURES/sum.c\"" out.txt "-E starts at the original"
    expect_no_grep "dcc-" out.txt "no temporary path in -E output"
    mv out.txt e1.i
    run "$DCC" -E "$FIXTURES/sum.c" -o e2.i
    expect_rc 0 "dcc -E -o"
    cmp -s e1.i e2.i || fail "-E to stdout and -E -o give different text (or a run-dependent one)"
    # several durable and plain inputs in one command, linking too
    run "$DCC" -c "$FIXTURES/sum.c" "$FIXTURES/steps.c" "$FIXTURES/plain.c"
    expect_rc 0 "dcc -c with three inputs"
    [ -f sum.o ] && [ -f steps.o ] && [ -f plain.o ] || fail "three objects"
    ;;

deps)
    need_translator
    mkdir -p out
    run "$DCC" -c "$FIXTURES/sum.c" -o out/sum.o -MD -MF out/custom.d -MT my_target
    expect_rc 0 "-MD -MF -MT"
    flat out/custom.d
    expect_grep "^my_target: $FIXTURES/sum.c " out/custom.d.flat "-MT target and original source"
    expect_grep "sub/sum_step.h" out/custom.d "headers listed"
    expect_no_grep "dcc-" out/custom.d "no temporary path"
    run "$DCC" -c "$FIXTURES/sum.c" -o out/sum2.o -MMD
    expect_rc 0 "-MMD with -o"
    flat out/sum2.d
    expect_grep "^out/sum2.o: $FIXTURES/sum.c " out/sum2.d.flat "-MMD names the object and the source"
    run "$DCC" -c "$FIXTURES/sum.c" -MD -MQ 'q$t'
    expect_rc 0 "-MD without -o"
    flat sum.d
    expect_grep "^q\$\$t: $FIXTURES/sum.c " sum.d.flat "-MQ and the default .d name"
    ;;

keep)
    need_translator
    mkdir -p out
    run "$DCC" --keep -c "$FIXTURES/sum.c" -o out/sum.o
    expect_rc 0 "--keep"
    [ -f out/sum.dcc.c ] || fail "--keep: out/sum.dcc.c missing"
    expect_grep "#line" out/sum.dcc.c "#line directives in the kept file"
    expect_grep "sum.c\"" out/sum.dcc.c "kept file names the original"
    run "$DCC" --keep "$FIXTURES/sum.c" "$FIXTURES/steps.c" -c
    expect_rc 0 "--keep with two inputs"
    [ -f sum.dcc.c ] || fail "--keep without -o: ./sum.dcc.c missing"
    [ ! -f steps.dcc.c ] || fail "--keep: a plain input has no translated copy"
    mkdir nokeep
    (cd nokeep && "$DCC" -c "$FIXTURES/sum.c" -o obj.o) || fail "dcc -c without --keep"
    [ "$(ls -A nokeep)" = obj.o ] || fail "without --keep only the object is left: $(ls -A nokeep)"
    ;;

error_location)
    need_translator
    run "$DCC" -c "$FIXTURES/cerror.c" -o cerror.o
    [ "$rc" -ne 0 ] || fail "a C error in a durable file must fail the build"
    [ "$rc" -ne 2 ] || fail "a compile error is the compiler's status, not dcc's 2"
    expect_grep "cerror.c:9:" err.txt "diagnostic at the original file:line"
    expect_no_grep "dcc-" err.txt "no temporary path in diagnostics"
    # an error only the real compiler finds, after translation
    "$REAL_CC" -Wall -Werror -c "$FIXTURES/plain.c" -o p.o 2>/dev/null || fail "cc -Werror on plain.c"
    run "$DCC" -Wall -Werror -c "$FIXTURES/cwarn.c" -o cwarn.o
    expect_rc 1 "a -Werror error from the real compiler: its status"
    expect_grep "cwarn.c:10:[0-9]*: error" err.txt "the compiler's diagnostic at the original line"
    expect_no_grep "dcc-" err.txt "no temporary path in the compiler's diagnostics"
    ;;

refuse)
    need_translator
    run "$DCC" -c "$FIXTURES/refuse.c" -o refuse.o
    expect_rc 1 "a refused input"
    expect_grep "refuse.c:[0-9]*:[0-9]*: error" err.txt "clang-style diagnostic at the original"
    [ ! -f refuse.o ] || fail "no object for a refused input"
    ;;

emit_c)
    need_translator
    run "$DCC" --emit-c "$FIXTURES/sum.c" -I"$DURABLE_INCLUDE"
    expect_rc 0 "--emit-c"
    mv out.txt sum.gen.c
    expect_grep "^#line 1 \"$FIXTURES/sum.c\"" sum.gen.c "#line naming the original"
    "$REAL_CC" -c -x c sum.gen.c -I"$FIXTURES" -I"$DURABLE_INCLUDE" -o gen.o ||
        fail "--emit-c output does not compile"
    run "$DCC" --emit-c "$FIXTURES/sum.c" -o sum2.gen.c
    expect_rc 0 "--emit-c -o"
    cmp -s sum.gen.c sum2.gen.c || fail "--emit-c -o writes what stdout shows"
    run "$DCC" --emit-c "$FIXTURES/plain.c"
    expect_rc 0 "--emit-c of a plain file"
    cmp -s out.txt "$FIXTURES/plain.c" || fail "--emit-c of a plain file is the file itself"
    run "$DCC" --emit-c "$FIXTURES/refuse.c" -o refuse.gen.c
    expect_rc 1 "--emit-c of a refused file"
    [ ! -f refuse.gen.c ] || fail "no -o file is left for a refused input"
    ;;

emit_json)
    need_translator
    run "$DCC" --emit-json "$FIXTURES/sum.c"
    expect_rc 0 "--emit-json"
    expect_grep "sum_to" out.txt "--emit-json names the function"
    expect_grep "add_step" out.txt "--emit-json names the awaited step"
    ;;

emit_dot)
    need_translator
    run "$DCC" --emit-dot "$FIXTURES/sum.c"
    expect_rc 0 "--emit-dot"
    expect_grep "digraph" out.txt "--emit-dot is a graph"
    expect_grep "sum_to" out.txt "--emit-dot names the function"
    ;;

debug_info)
    need_translator
    have readelf || skip "readelf is not installed"
    run "$DCC" -g -c "$FIXTURES/sum.c" -o sum.o
    expect_rc 0 "dcc -g -c sum.c"
    readelf --debug-dump=info sum.o >info.txt 2>&1 || fail "readelf"
    expect_grep "DW_AT_name.*$FIXTURES/sum.c" info.txt "the compile unit is named after the original"
    expect_no_grep "dcc-" info.txt "no temporary path in the debug information"
    readelf --debug-dump=decodedline sum.o >lines.txt 2>&1 || fail "readelf"
    expect_grep "^sum.c  *11 " lines.txt "line table entries at the original's lines (the await)"
    ;;

clang_real)
    need_translator
    have clang || skip "clang is not installed"
    export DCC_CC=clang
    run "$DCC" -g -c "$FIXTURES/sum.c" -o sum.o -MMD -I"$DURABLE_INCLUDE"
    expect_rc 0 "dcc with clang as the real compiler"
    flat sum.d
    expect_grep "^sum.o: $FIXTURES/sum.c " sum.d.flat "clang's .d names the original"
    expect_no_grep "dcc-" sum.d "no temporary path in clang's .d"
    run "$DCC" -Wall -Werror -c "$FIXTURES/cwarn.c" -o cwarn.o
    expect_rc 1 "clang's own status for a -Werror error"
    expect_grep "cwarn.c:10:[0-9]*: error" err.txt "clang's diagnostic at the original line"
    ;;

signal_cleanup)
    need_translator
    # A "compiler" that only waits, so dcc is killed while it waits; it
    # records its pid to show that dcc forwarded the signal to it.
    printf '#!/bin/sh\necho $$ >"%s/cc.pid"\nexec sleep 30\n' "$W" >slowcc
    chmod +x slowcc
    DCC_CC="$W/slowcc" "$DCC" -c "$FIXTURES/sum.c" -o sum.o 2>err.txt &
    pid=$!
    n=0
    while [ ! -s cc.pid ] && [ $n -lt 100 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    [ -s cc.pid ] || fail "the compiler never started"
    [ -n "$(ls -A "$TMPDIR")" ] || fail "dcc made no temporary copy"
    kill -TERM $pid
    wait $pid
    rc=$?
    [ $rc -eq 143 ] || fail "dcc should die from SIGTERM (143), got $rc"
    ccpid=$(cat cc.pid)
    n=0
    while kill -0 "$ccpid" 2>/dev/null && [ $n -lt 50 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    if kill -0 "$ccpid" 2>/dev/null; then
        kill "$ccpid"
        fail "SIGTERM was not forwarded to the compiler"
    fi
    ;;

# ---- whole projects
cmake_passthrough | cmake_durable | cmake_ninja_durable | cmake_cc_durable)
    generator="Unix Makefiles"
    # the launcher (default), or dcc as CMAKE_C_COMPILER itself (cmake_cc_*)
    compiler="-DCMAKE_C_COMPILER=$REAL_CC"
    launcher="-DCMAKE_C_COMPILER_LAUNCHER=$DCC"
    if [ "$CASE" = cmake_cc_durable ]; then
        compiler="-DCMAKE_C_COMPILER=$DCC"
        launcher=
    fi
    if [ "$CASE" = cmake_ninja_durable ]; then
        have ninja || skip "ninja is not installed"
        generator=Ninja
    fi
    if [ "$CASE" != cmake_passthrough ]; then
        need_translator
        need_runtime
        with=ON
    else
        with=OFF
    fi
    # a private copy: the case touches a header to test rebuilds
    cp -r "$PROJECTS/cmake_project" "$PROJECTS/project" .
    [ -n "$launcher" ] && unset DCC_CC
    "$CMAKE" -S cmake_project -B build -G "$generator" "$compiler" ${launcher:+"$launcher"} \
        -DWITH_DURABLE=$with -DDURABLE_INCLUDE="$DURABLE_INCLUDE" \
        -DDURABLE_LIB="$DURABLE_LIB" >configure.log 2>&1 ||
        { cat configure.log; fail "cmake configure"; }
    DCC_VERBOSE=1 "$CMAKE" --build build --parallel 2 >build.log 2>&1 ||
        { cat build.log; fail "cmake --build"; }
    expect_grep "dcc: exec: $REAL_CC" build.log "the launcher ran the compiler"
    ./build/hello >hello.out || fail "hello failed"
    expect_grep "hello from dcc" hello.out "hello output"
    if [ $with = ON ]; then
        expect_grep "dcc: run: $REAL_CC" build.log "durable sources were translated"
        ./build/shop "$W/shop.db" >shop.out 2>&1 || { cat shop.out; fail "shop failed"; }
        expect_grep "total=110" shop.out "shop result"
        if [ "$generator" = Ninja ]; then
            # ninja reads the depfile into its log (and deletes it)
            (cd build && ninja -t deps) >deps.txt || fail "ninja -t deps"
            expect_grep "/project/src/flow.c\$" deps.txt "ninja recorded the original source"
            expect_no_grep "dcc-" deps.txt "no temporary path in ninja's deps log"
        else
            d=$(find build -name 'flow.c.o.d' | head -n 1)
            [ -n "$d" ] || fail "no compiler depfile for flow.c"
            flat "$d"
            expect_grep "^[^ ]*flow.c.o: [^ ]*/project/src/flow.c " "$d.flat" \
                "depfile names the original"
            expect_no_grep "dcc-" "$d" "no temporary path in the depfile"
        fi
        # the header change must rebuild the durable objects
        sleep 1
        touch project/include/shop.h
        "$CMAKE" --build build >rebuild.log 2>&1 || { cat rebuild.log; fail "rebuild"; }
        expect_grep "flow.c.o" rebuild.log "flow.c rebuilt after its header changed"
    fi
    ;;

make_passthrough | make_durable)
    have make || skip "make is not installed"
    cp -r "$PROJECTS/project/src" "$PROJECTS/project/include" .
    cp "$PROJECTS/make_project/Makefile" .
    if [ "$CASE" = make_durable ]; then
        need_translator
        need_runtime
        goal=all
    else
        goal=plain
    fi
    DCC_VERBOSE=1 make $goal CC="$DCC" DURABLE_INCLUDE="$DURABLE_INCLUDE" \
        DURABLE_LIB="$DURABLE_LIB" >build.log 2>&1 || { cat build.log; fail "make $goal"; }
    ./hello >hello.out || fail "hello failed"
    expect_grep "hello from dcc" hello.out "hello output"
    flat src/greet.d
    expect_grep "^src/greet.o: src/greet.c " src/greet.d.flat "plain .d"
    if [ $goal = all ]; then
        for p in shop shop_onecmd; do
            rm -f "$W/$p.db"
            ./$p "$W/$p.db" >$p.out 2>&1 || { cat $p.out; fail "$p failed"; }
            expect_grep "total=110" $p.out "$p result"
        done
        flat src/flow.d
        expect_grep "^src/flow.o: src/flow.c " src/flow.d.flat "durable .d names the original"
        expect_no_grep "dcc-" src/flow.d "no temporary path in the .d"
        make -q durable CC="$DCC" DURABLE_INCLUDE="$DURABLE_INCLUDE" \
            DURABLE_LIB="$DURABLE_LIB" || fail "make thinks the fresh build is out of date"
        sleep 1
        touch include/shop.h
        if make -q shop CC="$DCC" DURABLE_INCLUDE="$DURABLE_INCLUDE" DURABLE_LIB="$DURABLE_LIB"; then
            fail "a header change did not make the durable objects out of date"
        fi
    fi
    ;;

*)
    fail "unknown case"
    ;;
esac
finish

#!/bin/sh
# package_test.sh BUILD_DIR WORK_DIR — install Durable C into a fresh prefix,
# then build and run a CMake project (find_package(Durable)) and a Makefile
# project (CC=dcc, pkg-config) that see nothing but the installed files.
set -u
build=$1 work=$2
src=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" || fail "cannot make $work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" > "$work/install.log" 2>&1 || fail "install: $(tail -5 "$work/install.log")"
tools="bin/dcc bin/dcc-translate"
[ -d "$build/runtime/cli" ] && tools="$tools bin/durable"   # the CLI, when built
for f in $tools include/durable.h lib/libdurable.a lib/pkgconfig/durable.pc lib/pkgconfig/durable-static.pc \
         lib/cmake/Durable/DurableConfig.cmake lib/cmake/Durable/DurableTranslate.cmake; do
    [ -e "$prefix/$f" ] || fail "not installed: $f"
done
ls "$prefix"/lib/libdurable.so* > /dev/null 2>&1 || fail "no shared libdurable installed"

# examples DIR DBPREFIX: run the billing and pipeline examples built in DIR.
examples() {
    "$1/billing" "$2billing.db" start acme 2027 1 3 1999 > /dev/null || fail "$1/billing start"
    "$1/billing" "$2billing.db" run --fast --quiet || fail "$1/billing run"
    out=$("$1/billing" "$2billing.db" status acme) || fail "$1/billing status: $out"
    [ "$out" = 'acme: billed $719.64' ] || fail "$1/billing printed: $out"
    out=$("$1/pipeline" "$2pipeline.db" --fast --quiet) || fail "$1/pipeline: $out"
    [ "$out" = "batch-1: 11 of 12 items stored, 1 quarantined" ] || fail "$1/pipeline printed: $out"
    echo "examples built in $1: billing, pipeline"
}

# CMake: find_package(Durable), Durable::durable, durable_translate()
cmake -S "$src/cmake_consumer" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" > "$work/cmake.log" 2>&1 ||
    fail "configure: $(tail -5 "$work/cmake.log")"
cmake --build "$work/cmake" > "$work/cmake-build.log" 2>&1 || fail "build: $(tail -5 "$work/cmake-build.log")"
out=$("$work/cmake/app" "$work/cmake.db") || fail "cmake app: $out"
echo "cmake consumer: $out"
[ "$out" = "inv-1: success, total 1200" ] || fail "cmake app printed: $out"
examples "$work/cmake" "$work/cmake-"

# Make: CC=dcc, flags from pkg-config
if ! command -v pkg-config > /dev/null; then
    echo "SKIP: pkg-config is not installed"; exit 77
fi
cp -r "$src/make_consumer" "$work/make" && mkdir -p "$work" && cp "$src/app.c" "$work/app.c"
PKG_CONFIG_PATH=$prefix/lib/pkgconfig make -C "$work/make" CC="$prefix/bin/dcc" EXAMPLES="$src/../../examples" > "$work/make.log" 2>&1 ||
    fail "make: $(tail -5 "$work/make.log")"
# durable-static: no libdurable.so needed at run time, no LD_LIBRARY_PATH
unset LD_LIBRARY_PATH
if ldd "$work/make/app" | grep -q libdurable; then
    fail "the durable-static build needs a shared libdurable: $(ldd "$work/make/app" | grep libdurable)"
fi
out=$("$work/make/app" "$work/make.db") || fail "make app: $out"
echo "make consumer: $out"
[ "$out" = "inv-1: success, total 1200" ] || fail "make app printed: $out"
examples "$work/make" "$work/make-"
# durable.pc links the shared one, found through LD_LIBRARY_PATH here
out=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --libs durable) || fail "pkg-config durable"
case $out in *-ldurable*) ;; *) fail "pkg-config --libs durable printed: $out" ;; esac
echo PASS

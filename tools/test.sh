#!/bin/sh
# Build everything and run every test: the README's second command.  The
# matrices (ctest -L matrix) run twice: steps inline, and on 16 threads.
#   sh tools/test.sh [BUILD_DIR]      (CMAKE_ARGS adds configure options)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
cmake -S . -B "$build" ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j2
ctest --test-dir "$build" --output-on-failure -j2
# The feature and crash matrices again, with steps on a pool of 16 threads
# (DURABLE_TEST_THREADS_PASS=0 leaves it out: CI's sanitizer build, whose
# concurrent tests ThreadSanitizer runs).
if [ "${DURABLE_TEST_THREADS_PASS:-1}" != 0 ]; then
    DURABLE_STEP_THREADS=16 ctest --test-dir "$build" --output-on-failure -j2 -L matrix
fi

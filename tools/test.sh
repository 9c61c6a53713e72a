#!/bin/sh
# Build everything and run every test: the README's second command.
#   sh tools/test.sh [BUILD_DIR]      (CMAKE_ARGS adds configure options)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
cmake -S . -B "$build" ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j2
ctest --test-dir "$build" --output-on-failure -j2

#!/bin/sh
# The README's first command: install what is missing (Debian 12, as root),
# build, and run the demo (examples/demo.sh: kill -9 mid-way, resume).
set -eu
cd "$(dirname "$0")/.."
need=""
for pkg in build-essential cmake libsqlite3-dev libclang-dev pkg-config gdb valgrind clang libclang-rt-14-dev clangd \
           libpq-dev postgresql-15; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
if [ -n "$need" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq $need
fi
cmake -S . -B build >/dev/null
cmake --build build -j2
sh examples/demo.sh build

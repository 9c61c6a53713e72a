#!/bin/sh
# valgrind.sh PROGRAM ARGS... — run a program under memcheck: any error or
# leak fails (exit 1); no valgrind means skip (77).
command -v valgrind > /dev/null || { echo "SKIP: valgrind is not installed"; exit 77; }
exec valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --suppressions="$(dirname "$0")/valgrind.supp" "$@"

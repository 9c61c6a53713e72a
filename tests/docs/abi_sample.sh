#!/bin/sh
# abi_sample.sh CC DOC INCLUDE — the state machine shown in docs/abi.md (its
# second C block) must compile, warning-free, against the current durable.h:
# the ABI it documents is the one in the header.
set -u
cc=$1 doc=$2 inc=$3
tmp=${TMPDIR:-/tmp}/abi_sample.$$.c
{
    printf '%s\n' '#include <durable.h>' '#include <stddef.h>' \
        'extern durable_func reserve_stock__fn;' 'struct reserve_stock__args { int order; };' \
        'int charge_card(int order, int cents);' 'durable_step_fn checkout__step_used(void);'
    awk '/^```c$/ { n++; if (n == 2) { inside = 1; next } } inside && /^```$/ { exit } inside' "$doc"
    printf '%s\n' 'durable_step_fn checkout__step_used(void) { return checkout__step; }'
} > "$tmp"
grep -q "static int checkout__step" "$tmp" || { echo "FAIL: no state machine in $doc's second C block"; rm -f "$tmp"; exit 1; }
if "$cc" -std=c11 -Wall -Wextra -Werror -Wno-unused-label -fsyntax-only -I "$inc" "$tmp"; then
    echo "PASS: the state machine of $doc compiles against durable.h"
    rm -f "$tmp"
else
    echo "FAIL: $doc's state machine no longer compiles against durable.h"
    rm -f "$tmp"
    exit 1
fi

/* gdb test: the same as gdb_prog.c with the awaits and the arithmetic
 * written through macros over several lines, which dcc expands: the lines
 * after them must still be the user's (tests/translate/gdb_test.sh). */
#include "e2e.h"

static int twice(int x)
{
    return 2 * x;
}

#define TWICE_OF(x) await(twice(x))
#define PLUS1(x) ((x) + 1)

durable int work(int seed)
{
    int total = PLUS1(
        seed);
    int got = TWICE_OF(
        total);
    total = total + got + seed; /* GDB_LINE */
    return total;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_start(rt, "w", work(20));
    E2E_RUN(rt);
    E2E_PRINT(rt, "w");
    durable_close(rt);
    return 0;
}

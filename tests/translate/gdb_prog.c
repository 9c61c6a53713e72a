/* gdb test: a breakpoint on a user line after an await must stop there
 * with the user's locals visible (tests/translate/gdb_test.sh). */
#include "e2e.h"

static int twice(int x)
{
    return 2 * x;
}

durable int work(int seed)
{
    int total = seed + 1;
    int got = await(twice(total));
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

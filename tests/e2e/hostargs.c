/* e2e: awaits inside the arguments of ordinary calls (issue 9):
 * `add(await(f(x)), 1)`, `snprintf(buf, n, fmt, await(...), ...)`.  The
 * smallest case first.  (A durable_call built from awaited arguments:
 * spawnargs.c.) */
#include "e2e.h"

static int step(int x)
{
    effect("step %d", x);
    return x + 1;
}

static int add(int a, int b)
{
    return a + b;
}

durable int smallest(int x)
{
    return add(await(step(x)), 1);
}

durable int formats(int n)
{
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%d-%d", await(step(n)), add(await(step(n * 10)), await(step(n * 100))));
    int sum = 0;
    for (int i = 0; i < len; i++)
        sum = sum * 3 + buf[i];
    return sum % 100000 + len;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_start(rt, "smallest", smallest(4));
    durable_start(rt, "formats", formats(7));
    E2E_RUN(rt);
    E2E_PRINT(rt, "smallest");
    E2E_PRINT(rt, "formats");
    durable_close(rt);
    return 0;
}

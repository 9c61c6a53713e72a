/* e2e: host calls in every position dcc rewrites: durable_start's argument,
 * a durable_call variable (initialized and assigned), an argument spread
 * over lines, a function with no parameters, and a static durable function.
 * Durable only: expected output in host.expected. */
#include "e2e.h"

static int twice(int x)
{
    effect("twice %d", x);
    return 2 * x;
}

durable int doubled(int x)
{
    return await(twice(x));
}

static durable int constant(void)
{
    return await(twice(21));
}

durable int sum2(int a, int b)
{
    return await(twice(a)) + b;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_call c = doubled(5);
    durable_start(rt, "var", c);
    durable_call d;
    d = doubled(1);
    durable_start(rt, "assigned", d);
    d = sum2(2, 3);
    durable_start(rt, "reassigned", d);
    durable_start(rt, "lines", sum2(
                                   10,
                                   20));
    durable_start(rt, "noargs", constant());
    /* idempotent: the same id again does nothing */
    durable_start(rt, "var", doubled(5));
    E2E_RUN(rt);
    E2E_PRINT(rt, "var");
    E2E_PRINT(rt, "assigned");
    E2E_PRINT(rt, "reassigned");
    E2E_PRINT(rt, "lines");
    E2E_PRINT(rt, "noargs");
    durable_close(rt);
    return 0;
}

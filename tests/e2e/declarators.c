/* e2e: awaits in later declarators of a declaration (issue 9):
 * `int a = 1, b = await(f(a));` is split at b into two declarations.  The
 * smallest case first, then several awaits in several declarators, a
 * declarator that awaits twice, a pointer and an array declarator between
 * them, const declarations, and a for-declaration. */
#include "e2e.h"

static int step(int x)
{
    effect("step %d", x);
    return x + 1;
}

durable int smallest(int n)
{
    int a = n, b = await(step(a));
    return a * 100 + b;
}

durable int several(int n)
{
    int a = await(step(n)), b = a * 2, c = await(step(b)), d = await(step(c)) + await(step(a));
    long e = 5, f = await(step(d));
    return (int)(a + b * 10 + c * 100 + d * 1000 + e + f);
}

durable int mixed(int n)
{
    int v[2] = {n, n + 1}, *p = v, q = p[1], w[3] = {await(step(v[0])), await(step(q)), 0};
    const int k = n * 3, m = await(step(k));
    int s = 0;
    for (int i = 0, lim = await(step(n)); i < lim; i++)
        s += await(step(i));
    return w[0] + w[1] * 10 + w[2] + m * 100 + s * 1000;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_start(rt, "smallest", smallest(4));
    durable_start(rt, "several", several(2));
    durable_start(rt, "mixed", mixed(3));
    E2E_RUN(rt);
    E2E_PRINT(rt, "smallest");
    E2E_PRINT(rt, "several");
    E2E_PRINT(rt, "mixed");
    durable_close(rt);
    return 0;
}

/* e2e: locals live across an await where an inner local of the same name
 * hides them (issue 9): dcc saves such a local where its scope is entered
 * and restores it there on a resume.  The smallest case first, then hiding
 * at several depths, a hidden parameter, a for-declaration that hides, and
 * several awaits inside one hidden scope. */
#include "e2e.h"

static int step(int x)
{
    effect("step %d", x);
    return x + 1;
}

durable int smallest(int n)
{
    int i = n;
    {
        int i = 2;
        n += await(step(i));
    }
    return i * 100 + n;
}

durable int depths(int n)
{
    int v = n;
    int s = 0;
    {
        int v = n * 10;
        s += await(step(v));
        {
            int v = n * 100;
            s += await(step(v));
            s += v;
        }
        s += v;
    }
    return s + v;
}

durable int hidden_param(int x)
{
    int s = await(step(x));
    {
        int x = s * 2;
        s += await(step(x));
        x++;
        s += x;
    }
    return s * 1000 + x;
}

durable int for_hides(int n)
{
    int i = 7, total = 0;
    for (int i = 0; i < n; i++)
        total += await(step(i));
    if (n > 1)
        for (int i = 10; i < 12; i++)
            total += await(step(i));
    for (int i = await(step(1)); i < await(step(3)); i++) /* a header that awaits */
        total += i;
    while (total < 100) {
        int total = 5; /* hides the outer total, which the loop reads */
        i += await(step(total));
        if (i > 20)
            break;
    }
    return total * 100 + i;
}

durable int several(int n)
{
    int k = n, m = n + 1;
    int acc = 0;
    {
        int k = 1, m = 2;
        acc += await(step(k));
        acc += await(step(m));
        k = acc;
        acc += await(step(k + m));
    }
    return acc * 100 + k * 10 + m;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_start(rt, "smallest", smallest(5));
    durable_start(rt, "depths", depths(3));
    durable_start(rt, "hidden-param", hidden_param(4));
    durable_start(rt, "for-hides", for_hides(3));
    durable_start(rt, "several", several(6));
    E2E_RUN(rt);
    E2E_PRINT(rt, "smallest");
    E2E_PRINT(rt, "depths");
    E2E_PRINT(rt, "hidden-param");
    E2E_PRINT(rt, "for-hides");
    E2E_PRINT(rt, "several");
    durable_close(rt);
    return 0;
}

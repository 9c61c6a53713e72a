/* e2e: a durable_call built from awaited arguments (issue 9): the durable
 * call inside await(durable_spawn(g(...))) has awaits in its own arguments,
 * which run first, left to right; the child gets their values.  Durable
 * only (plain C has no spawn): expected output in spawnargs.expected. */
#include "e2e.h"

static int step(int x)
{
    effect("step %d", x);
    return x + 1;
}

durable int child(int a, int b)
{
    return await(step(a)) * 100 + b;
}

durable int parent(int n)
{
    for (int i = 0; i < n; i++)
        await(durable_spawn(child(await(step(i)), await(step(i * 10)) + 1)));
    int failed = await(durable_all());
    int sum = 0;
    for (int h = 0; h < n; h++) {
        int r = 0;
        if (durable_child_result(h, &r) == DURABLE_OK)
            sum = sum * 7 + r;
    }
    return sum * 10 + failed;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_start(rt, "parent", parent(3));
    E2E_RUN(rt);
    E2E_PRINT(rt, "parent");
    durable_close(rt);
    return 0;
}

/* e2e: child coroutines: recursion, chains, struct and string arguments,
 * static durable functions, a durable function defined after its use. */
#include "e2e.h"

struct range {
    int lo, hi;
};

static int leaf(int x)
{
    effect("leaf %d", x);
    return x;
}

durable int fib(int n)
{
    if (n < 2)
        return await(leaf(n));
    return await(fib(n - 1)) + await(fib(n - 2));
}

static durable int sum_range(struct range r);

durable int total(int n)
{
    struct range r = {1, n};
    int a = await(sum_range(r));
    r.lo = n + 1;
    r.hi = 2 * n;
    int b = await(sum_range(r));
    return a * 1000 + b;
}

static durable int sum_range(struct range r)
{
    int s = 0;
    for (int i = r.lo; i <= r.hi; i++)
        s += await(leaf(i));
    return s;
}

durable int greet_len(const char *who, int times)
{
    int n = 0;
    for (int i = 0; i < times; i++)
        n += await(leaf((int)strlen(who)));
    return n;
}

durable int chain(int depth)
{
    if (depth == 0)
        return await(greet_len("durable", 2));
    return 1 + await(chain(depth - 1));
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_start(rt, "fib", fib(7));
    durable_start(rt, "total", total(4));
    durable_start(rt, "chain", chain(3));
    durable_start(rt, "greet", greet_len("hello", 3));
    E2E_RUN(rt);
    E2E_PRINT(rt, "fib");
    E2E_PRINT(rt, "total");
    E2E_PRINT(rt, "chain");
    E2E_PRINT(rt, "greet");
    durable_close(rt);
    return 0;
}

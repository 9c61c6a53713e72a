/* e2e: the design's checkout example and awaits in plain statement positions. */
#include "e2e.h"

static int stock[8];

durable int reserve_stock(int order);

/* steps: ordinary functions */
static int charge_card(int order, int cents)
{
    effect("charge %d %d", order, cents);
    return order * 1000 + cents % 1000;
}

static int add(int a, int b)
{
    effect("add %d %d", a, b);
    return a + b;
}

static void note(int x)
{
    effect("note %d", x);
}

durable int reserve_stock(int order)
{
    int n = await(add(order, 1));
    stock[order % 8] = n;
    return n > 0;
}

durable int checkout(int order, int cents)
{
    int ok = await(reserve_stock(order));
    if (!ok)
        return -1;
    int receipt = await(charge_card(order, cents));
    for (int day = 0; day < 3; day++)
        await(durable_sleep(0.01));
    return receipt;
}

/* expression statement, assignment, compound assignment, return, void step */
durable int positions(int x)
{
    int a;
    a = await(add(x, 1));
    a += await(add(a, 10));
    await(note(a));
    await(add(a, a));
    int b = 2 * await(add(a, 0)) + 1;
    return await(add(a, b));
}

durable void nothing(void)
{
    await(note(7));
}

durable int calls_void(void)
{
    await(nothing());
    return 5;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_start(rt, "order-42", checkout(42, 1999));
    durable_start(rt, "positions", positions(3));
    durable_start(rt, "void", calls_void());
    E2E_RUN(rt);
    E2E_PRINT(rt, "order-42");
    E2E_PRINT(rt, "positions");
    E2E_PRINT(rt, "void");
    durable_close(rt);
    return 0;
}

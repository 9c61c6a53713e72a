/* e2e: awaits inside loops, switch bodies, with break/continue/goto,
 * and block-scoped locals of the same name (frame fields i and i_1). */
#include "e2e.h"

static int step(int x)
{
    effect("step %d", x);
    return x * 3 % 7;
}

durable int nested_loops(int n)
{
    int s = 0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < i; j++) {
            if (j == 1)
                continue;
            s += await(step(i * 10 + j));
            if (s > 40)
                break;
        }
        int k = 0;
        while (k < 2) {
            s += await(step(k));
            k++;
        }
    }
    return s;
}

durable int with_goto(int n)
{
    int tries = 0, acc = 0;
again:
    tries++;
    acc += await(step(tries));
    if (tries < n)
        goto again;
    if (acc % 2)
        goto odd;
    return acc;
odd:
    acc = await(step(acc)) + 1000;
    return acc;
}

durable int switch_body(int n)
{
    int s = 0;
    for (int i = 0; i < n; i++) {
        switch (i % 4) {
        case 0:
            s += await(step(i));
            break;
        case 1: {
            int t = await(step(i + 1));
            s += t * 2;
        }
            /* fall through */
        case 2:
            s += 100;
            continue;
        default:
            await(durable_sleep(0.001));
            s -= 1;
        }
        s += 1000;
    }
    return s;
}

durable int same_names(int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += await(step(i));
    for (int i = 10; i < 10 + n; i++) {
        int x = await(step(i));
        total += x * i;
    }
    {
        int x = 5;
        total += await(step(x)) + x;
    }
    return total;
}

durable int do_loop(int n)
{
    int i = 0, s = 0;
    do {
        s += await(step(i));
        if (i == 1) {
            i += 2;
            continue;
        }
        i++;
    } while (i < n);
    return s;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_start(rt, "nested", nested_loops(5));
    durable_start(rt, "goto-3", with_goto(3));
    durable_start(rt, "goto-4", with_goto(4));
    durable_start(rt, "switch", switch_body(9));
    durable_start(rt, "names", same_names(3));
    durable_start(rt, "do", do_loop(6));
    E2E_RUN(rt);
    E2E_PRINT(rt, "nested");
    E2E_PRINT(rt, "goto-3");
    E2E_PRINT(rt, "goto-4");
    E2E_PRINT(rt, "switch");
    E2E_PRINT(rt, "names");
    E2E_PRINT(rt, "do");
    durable_close(rt);
    return 0;
}

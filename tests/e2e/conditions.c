/* e2e: awaits in conditions and in operators with evaluation rules:
 * if/while/do/for/switch conditions, && || ?: and comma (short-circuit kept),
 * call arguments (left to right), nested awaits. */
#include "e2e.h"

static int id(int x)
{
    effect("id %d", x);
    return x;
}

static int sum3(int a, int b, int c)
{
    effect("sum3 %d %d %d", a, b, c);
    return a + b + c;
}

durable int child_inc(int x)
{
    return await(id(x)) + 1;
}

durable int in_if(int x)
{
    int r = 0;
    if (await(id(x)) > 2)
        r = 1;
    else if (await(id(x + 1)) == 2)
        r = 2;
    else
        r = 3;
    return r;
}

durable int in_while(int n)
{
    int i = 0, s = 0;
    while (await(id(i)) < n) {
        s += i;
        i++;
    }
    return s;
}

durable int in_do(int n)
{
    int i = 0, s = 0;
    do {
        i++;
        if (i == 2)
            continue; /* must still evaluate the awaiting condition */
        s += 10 * i;
    } while (await(id(i)) < n);
    return s;
}

durable int in_for(int n)
{
    int s = 0;
    for (int i = await(id(1)); i <= await(id(n)); i += await(id(1))) {
        if (i == 3)
            continue; /* goes to the awaiting increment */
        s += i;
    }
    return s;
}

durable int in_switch(int x)
{
    int r = -1;
    switch (await(id(x))) {
    case 1:
        r = 10;
        break;
    case 2:
        r = await(id(20));
        /* fall through */
    case 3:
        r += 1;
        break;
    default:
        r = 99;
    }
    return r;
}

durable int short_circuit(int x)
{
    int hits = 0;
    if (x > 0 && await(id(x)) > 5)
        hits += 1;
    if (x > 100 && await(id(1000)) > 5) /* right side must not run */
        hits += 100;
    if (x < 0 || await(id(x + 1)) > 0)
        hits += 10;
    if (x > 0 || await(id(2000))) /* right side must not run */
        hits += 1000;
    int t = x > 3 ? await(id(7)) : await(id(8));
    int u = (hits++, await(id(hits)));
    return hits * 100 + t * 10 + u;
}

durable int args_and_nesting(int x)
{
    int a = await(sum3(await(id(x)), await(child_inc(x)), await(id(await(id(2))))));
    int b = await(id(a)) + await(id(a + 1)) * await(child_inc(a));
    int c = await(child_inc(await(child_inc(b))));
    return a + b + c;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_start(rt, "if-1", in_if(1));
    durable_start(rt, "if-3", in_if(3));
    durable_start(rt, "if-0", in_if(0));
    durable_start(rt, "while", in_while(5));
    durable_start(rt, "do", in_do(4));
    durable_start(rt, "for", in_for(5));
    durable_start(rt, "switch-1", in_switch(1));
    durable_start(rt, "switch-2", in_switch(2));
    durable_start(rt, "switch-3", in_switch(3));
    durable_start(rt, "switch-9", in_switch(9));
    durable_start(rt, "short-4", short_circuit(4));
    durable_start(rt, "short-9", short_circuit(9));
    durable_start(rt, "nest", args_and_nesting(3));
    E2E_RUN(rt);
    E2E_PRINT(rt, "if-1");
    E2E_PRINT(rt, "if-3");
    E2E_PRINT(rt, "if-0");
    E2E_PRINT(rt, "while");
    E2E_PRINT(rt, "do");
    E2E_PRINT(rt, "for");
    E2E_PRINT(rt, "switch-1");
    E2E_PRINT(rt, "switch-2");
    E2E_PRINT(rt, "switch-3");
    E2E_PRINT(rt, "switch-9");
    E2E_PRINT(rt, "short-4");
    E2E_PRINT(rt, "short-9");
    E2E_PRINT(rt, "nest");
    durable_close(rt);
    return 0;
}

/* e2e: corners of the lowering: awaits as whole statements of unbraced
 * if/else, before a void return, in both arms of a discarded ?:, in a for
 * increment with a comma, struct values, string literal arguments, a
 * durable function without awaits, subscripts, chained assignment,
 * compound literals, returns in a switch, breaks out of a switch inside an awaiting
 * loop, and loops left by return. */
#include "e2e.h"

struct pair {
    int a, b;
};

static int seen;

static int val(int x)
{
    effect("val %d", x);
    return x;
}

static void bump(int x)
{
    effect("bump %d", x);
    seen += x;
}

static struct pair mk(int a, int b)
{
    effect("mk %d %d", a, b);
    struct pair p = {a, b};
    return p;
}

static int slen(const char *s)
{
    effect("slen %s", s);
    return (int)strlen(s);
}

durable void side(int x)
{
    if (x > 0) {
        await(bump(x));
        return;
    } else
        await(bump(-x));
}

durable int no_awaits(int x)
{
    return x * x;
}

durable int corners(int n)
{
    int s = 0, i;
    if (n > 1)
        s += await(val(1));
    else
        s -= await(val(2));
    n > 2 ? await(bump(3)) : await(bump(4));
    for (i = 0; i < n; i++, s += await(val(i)))
        s *= 2;
    struct pair p = await(mk(n, s));
    s += p.a * 1000 + p.b;
    s += await(slen("four"));
    await(side(-5));
    s += await(no_awaits(3));
    while (await(val(s)) > 0) {
        switch (s % 3) {
        case 0:
            s -= 7;
            break; /* the switch, not the loop */
        default:
            s -= 5;
        }
        if (s < 1000)
            break;
    }
    for (;;) {
        if (await(val(s % 2)) == 0)
            return s + 1;
        s++;
    }
}

durable int misc(int n)
{
    int a[4] = {0, 0, 0, 0};
    a[await(val(n % 4))] = 7;
    int x, y;
    x = y = await(val(n + 1));
    struct pair p = (struct pair){await(val(1)), await(val(2))};
    int z = await(val(val(x) + await(val(y))));
    for (int i = 0; await(val(i)) < 10; i++) {
        if (i == 4)
            break;
        a[i % 4] += i;
    }
    switch (n) {
    case 3:
        return a[0] + a[1] * 10 + a[2] * 100 + a[3] * 1000 + x + y + p.a + p.b + z + await(val(100000));
    default:
        return -1;
    }
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_start(rt, "corners-3", corners(3));
    durable_start(rt, "corners-1", corners(1));
    durable_start(rt, "no-awaits", no_awaits(9));
    durable_start(rt, "misc", misc(3));
    E2E_RUN(rt);
    E2E_PRINT(rt, "corners-3");
    E2E_PRINT(rt, "corners-1");
    E2E_PRINT(rt, "no-awaits");
    E2E_PRINT(rt, "misc");
    durable_close(rt);
    return 0;
}

/* e2e: const locals and const parameters live across awaits (issue 9):
 * dcc declares them without the const it restores them by assignment
 * through.  The smallest case first (a const local only passed to a step),
 * then const parameters, a const array, a const struct, a const pointer to
 * a string, declarations of several consts, `int const`, and structs with
 * a const member (not assignable: copied as bytes). */
#include "e2e.h"

struct pt {
    int x, y;
};

struct tagged {
    const int id;
    struct {
        const char tag;
        int v;
    } in;
};

static int step(int x)
{
    effect("step %d", x);
    return x + 1;
}

static int slen(const char *s)
{
    effect("slen %s", s);
    return (int)strlen(s);
}

durable int smallest(int n)
{
    const int k = n * 2;
    return await(step(k));
}

durable int params(const int a, const struct pt p, int b)
{
    int s = await(step(a));
    s += await(step(p.x + b));
    return s * 100 + a + p.y;
}

durable int locals(int n)
{
    const int table[4] = {1, 10, 100, 1000};
    const struct pt origin = {n, -n};
    int const twice = 2 * n;
    const char *const name = "const";
    const int lo = n - 1, hi = n + 1;
    int s = 0;
    for (int i = 0; i < 4; i++)
        s += table[i] * await(step(i));
    for (const int lim = await(step(1)); s < lim * 100000;) /* a const in an awaiting header */
        s += await(step(s % 7)) * 10000;
    for (const int k2 = n; s < 3000000;) /* a const in a header that does not await */
        s += await(step(k2)) * 100000;
    for (const int once = 3, *p = &once; s < 0;) /* not live: the const stays */
        s += *p;
    s += await(slen(name));
    s += origin.x * 10000 + origin.y + twice + lo * hi;
    return s;
}

durable int members(struct tagged t, int n)
{
    struct tagged u = {n, {'u', n * 2}};
    u.in.v += await(step(t.id));
    t.in.v += await(step(u.in.v));
    return t.id * 1000 + t.in.tag + t.in.v + u.id * 10 + u.in.tag + u.in.v;
}

durable int only_to_step(const int n)
{
    const int m = n + 3;
    await(step(m));
    await(step(n));
    return 0;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_start(rt, "smallest", smallest(4));
    durable_start(rt, "params", params(3, (struct pt){5, 6}, 7));
    durable_start(rt, "locals", locals(2));
    durable_start(rt, "members", members((struct tagged){7, {'t', 1}}, 5));
    durable_start(rt, "only-to-step", only_to_step(8));
    E2E_RUN(rt);
    E2E_PRINT(rt, "smallest");
    E2E_PRINT(rt, "params");
    E2E_PRINT(rt, "locals");
    E2E_PRINT(rt, "members");
    E2E_PRINT(rt, "only-to-step");
    durable_close(rt);
    return 0;
}

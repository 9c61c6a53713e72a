/* e2e: frame fields of every persistable kind: signed/unsigned integers,
 * enums, bool, float/double, char arrays, strings (char *), structs and
 * arrays of structs (file-scope and declared inside the function), plus
 * struct parameters and results of steps. */
#include "e2e.h"

#include <stdbool.h>
#include <stdint.h>

struct pt {
    int x, y;
};

typedef struct {
    double w;
    unsigned char tag;
} weight;

enum color { RED = 1, GREEN = 2, BLUE = 4 };

static struct pt move(struct pt p, int dx)
{
    effect("move %d %d %d", p.x, p.y, dx);
    p.x += dx;
    p.y -= dx;
    return p;
}

static double half(double d)
{
    effect("half %.3f", d);
    return d / 2;
}

static const char *pick(int i)
{
    static const char *const names[] = {"alpha", "beta", "gamma"};
    effect("pick %d", i);
    return names[i % 3];
}

static int len_of(const char *s)
{
    effect("len %s", s);
    return (int)strlen(s);
}

durable int scalars(int seed)
{
    signed char sc = (signed char)(seed - 100);
    unsigned short us = (unsigned short)(seed * 300);
    uint64_t big = (uint64_t)seed << 40;
    int64_t neg = -(int64_t)seed * 1000000007;
    bool flag = seed % 2;
    enum color c = GREEN;
    float fl = 1.5f;
    double d = await(half(seed));
    long double ld = 2.25L;
    await(durable_sleep(0.001));
    long r = sc + us + (long)(big >> 40) + (long)(neg / 1000000007) + flag + c + (long)(fl * 2) + (long)(d * 4) +
             (long)(ld * 4);
    return (int)r;
}

durable int strings_and_arrays(int n)
{
    char buf[16];
    snprintf(buf, sizeof buf, "n=%d", n);
    const char *name = await(pick(n));
    int counts[4] = {1, 2, 3, 4};
    for (int i = 0; i < 4; i++)
        counts[i] *= await(len_of(name));
    char *copy = (char *)"literal";
    int l = await(len_of(buf)) + await(len_of(copy));
    return counts[0] + counts[1] + counts[2] + counts[3] + l + (int)strlen(name);
}

durable int structs(int n)
{
    struct pt p = {n, 2 * n};
    struct pt path[3] = {{1, 1}, {2, 2}, {3, 3}};
    weight w = {0.5, 7};
    for (int i = 0; i < 3; i++)
        path[i] = await(move(path[i], i + n));
    p = await(move(p, 5));
    w.w = await(half(w.w + p.x));
    return p.x * 100 + p.y + path[0].x + path[1].y + path[2].x + (int)(w.w * 8) + w.tag;
}

durable int local_types(int n)
{
    struct local {
        int a;
        short b[3];
    };
    typedef int money;
    enum mood { SAD = 3, HAPPY = 5 };
    struct local l = {n, {1, 2, 3}};
    money m = 100;
    enum mood md = HAPPY;
    l.a += await(len_of("four"));
    m += await(len_of("xy"));
    return l.a + l.b[2] + m + md;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_start(rt, "scalars", scalars(7));
    durable_start(rt, "strings", strings_and_arrays(4));
    durable_start(rt, "structs", structs(3));
    durable_start(rt, "local", local_types(10));
    E2E_RUN(rt);
    E2E_PRINT(rt, "scalars");
    E2E_PRINT(rt, "strings");
    E2E_PRINT(rt, "structs");
    E2E_PRINT(rt, "local");
    durable_close(rt);
    return 0;
}

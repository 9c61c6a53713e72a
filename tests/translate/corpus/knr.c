/* corpus: K&R-style (old-style) function definitions, declarations without
 * prototypes, implicit int promotion of old-style parameters, beside
 * durable code, and durable functions defined the old way: with K&R
 * parameters, and with empty parentheses (no parameters). */
#include "e2e.h"

static int add3();
static double half();

static int add3(a, b, c)
int a, b;
int c;
{
    return a + b + c;
}

static double half(x)
    float x; /* promoted to double at the call */
{
    return x / 2;
}

static int step_knr(int x)
{
    effect("knr %d", x);
    return add3(x, 1, 2) + (int)half((float)x);
}

durable int knr_flow(int n)
{
    int s = 0;
    while (n-- > 0)
        s += await(step_knr(n));
    return s;
}

durable int knr_child(a, b)
int a;
int b;
{
    return await(step_knr(a)) * b;
}

durable int no_params()
{
    int s = await(knr_child(2, 3));
    s += await(knr_flow(2));
    return s;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    printf("plain: %d %.1f\n", add3(1, 2, 3), half(5.0f));
    durable_start(rt, "knr", knr_flow(4));
    durable_start(rt, "no-params", no_params());
    E2E_RUN(rt);
    E2E_PRINT(rt, "knr");
    E2E_PRINT(rt, "no-params");
    durable_close(rt);
    return 0;
}

/* corpus: function pointers in ordinary code (tables, callbacks, qsort,
 * typedefs, functions returning function pointers), used between awaits
 * in durable code. */
#include "e2e.h"

typedef int (*binop)(int, int);

static int add(int a, int b) { return a + b; }
static int mul(int a, int b) { return a * b; }
static int sub(int a, int b) { return a - b; }

static const binop table[] = {add, mul, sub};

static int (*pick(int k))(int, int)
{
    return table[k % 3];
}

static int fold(const int *v, int n, binop f, int init)
{
    for (int i = 0; i < n; i++)
        init = f(init, v[i]);
    return init;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int step_fp(int k, int x)
{
    effect("fp %d %d", k, x);
    return pick(k)(x, 3);
}

durable int fp_flow(int n)
{
    int v[5] = {5, 3, 9, 1, n};
    qsort(v, 5, sizeof v[0], cmp_int);
    int s = 0;
    for (int k = 0; k < 3; k++)
        s += await(step_fp(k, v[k]));
    binop f = table[n % 3]; /* not live across an await */
    s += f(v[3], v[4]) + fold(v, 5, add, 0);
    s += await(step_fp(s, 1));
    return s;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    int v[3] = {1, 2, 3};
    printf("plain: %d %d\n", fold(v, 3, mul, 1), pick(2)(10, 4));
    durable_start(rt, "fp", fp_flow(4));
    E2E_RUN(rt);
    E2E_PRINT(rt, "fp");
    durable_close(rt);
    return 0;
}

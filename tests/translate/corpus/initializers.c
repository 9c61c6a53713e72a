/* corpus: compound literals and designated initializers (nested, array
 * index designators, ranges of designators, out of order), in ordinary and
 * durable code, with awaits inside them. */
#include "e2e.h"

struct pt {
    int x, y;
};
struct box {
    struct pt lo, hi;
    int tags[4];
};

static int area(struct box b)
{
    return (b.hi.x - b.lo.x) * (b.hi.y - b.lo.y);
}

static int step_i(int x)
{
    effect("i %d", x);
    return x + 2;
}

durable int init_flow(int n)
{
    struct box b = {.hi = {.y = n, .x = n * 2}, .tags = {[2] = 7, [0] = 1}};
    int grid[3][3] = {[1][1] = 5, [2] = {1, 2, 3}};
    int a = await(step_i(area(b)));
    b.lo = (struct pt){.x = 1, .y = await(step_i(0))};
    int s = a + area(b) + b.tags[0] + b.tags[2] + grid[1][1] + grid[2][2];
    s += area((struct box){.hi = {3, 3}});
    int *q = (int[]){await(step_i(s % 10)), 4};
    return s + q[0] + q[1];
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    printf("plain: %d\n", area((struct box){.lo = {1, 1}, .hi = {.x = 4, .y = 5}}));
    durable_start(rt, "init", init_flow(3));
    E2E_RUN(rt);
    E2E_PRINT(rt, "init");
    durable_close(rt);
    return 0;
}

/* flow, edited: the first sleep removed. */
#include <durable.h>

#include "ident.h"

static int mix(int x)
{
    return x + 1;
}

durable int flow(int n)
{
    int a = await(step_a(n));
    int b = await(step_b(a));
    await(durable_sleep(0.01));
    int c = await(step_c(mix(a) + b));
    int d = await(step_c(a - b));
    return a * 1000000 + b * 10000 + c * 100 + d;
}

int main(void)
{
    return ident_main(flow(7));
}

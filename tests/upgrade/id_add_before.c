/* flow, edited: awaits added before others, one of them of the same callee
 * (the first is the edit of issue 9: a sleep at the top). */
#include <durable.h>

#include "ident.h"

static int mix(int x)
{
    return x + 1;
}

durable int flow(int n)
{
    await(durable_sleep(0.01));
    int a = await(step_a(n));
    await(step_c(a));
    await(durable_sleep(0.01));
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

/* flow, edited: the await of step_b removed (b computed in place). */
#include <durable.h>

#include "ident.h"

static int mix(int x)
{
    return x + 1;
}

durable int flow(int n)
{
    int a = await(step_a(n));
    await(durable_sleep(0.01));
    int b = a * 2;
    await(durable_sleep(0.01));
    int c = await(step_c(mix(a) + b));
    int d = await(step_c(a - b));
    return a * 1000000 + b * 10000 + c * 100 + d;
}

int main(void)
{
    return ident_main(flow(7));
}

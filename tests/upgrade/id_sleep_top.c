/* flow, edited as in issue 9: only a sleep added at the top.  Under the old
 * rule (callee and occurrence) a frame waiting at the second sleep resumed
 * at the first, and step_b ran again. */
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

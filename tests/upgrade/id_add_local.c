/* flow, edited: a local added that no await saves, and one that only the
 * last await saves (a frame waiting there cannot give it a value). */
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
    int b = await(step_b(a));
    int sum = a + b;
    b = sum - a;
    await(durable_sleep(0.01));
    int c = await(step_c(mix(a) + b));
    int e = c - 1;
    int d = await(step_c(a - b));
    return a * 1000000 + b * 10000 + c * 100 + d + (e - c + 1);
}

int main(void)
{
    return ident_main(flow(7));
}

/* flow.c — the workflow: a loop of steps, then a child in another file. */
#include "shop.h"

durable int total(int n)
{
    int sum = 0;
    for (int i = 1; i <= n; i++)
        sum = await(add_step(sum, i));
    int doubled = await(scaled(sum));
    return doubled;
}

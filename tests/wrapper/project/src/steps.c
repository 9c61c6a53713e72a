/* steps.c — ordinary C, no durable code: passes through dcc untouched. */
#include "shop.h"

int add_step(int a, int b)
{
    return a + b;
}

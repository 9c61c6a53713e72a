/* child.c — a durable function run as a child of total(). */
#include "shop.h"

durable int scaled(int x)
{
    int y = await(add_step(x * (SHOP_SCALE - 1), x));
    return y;
}

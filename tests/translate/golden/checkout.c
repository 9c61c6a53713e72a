/* Golden: the example of design.md and docs/abi.md. */
#include <durable.h>

durable int reserve_stock(int order);
int charge_card(int order, int cents);

durable int checkout(int order, int cents)
{
    int ok = await(reserve_stock(order));   /* a durable function: a child */
    if (!ok)
        return -1;
    int receipt = await(charge_card(order, cents)); /* ordinary: a step */
    for (int day = 0; day < 3; day++)
        await(durable_sleep(24 * 3600));
    return receipt;
}

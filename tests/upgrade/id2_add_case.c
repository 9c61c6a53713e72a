/* route, edited: a case added to the switch, its awaits alike in callee and
 * (the sleep) in text to those of the cases beside it. */
#include <durable.h>

#include "ident.h"

durable int route(int n)
{
    int total = 0;
    for (int i = 0; i < 3; i++) {
        if (i % 2 == 0) {
            await(durable_sleep(0.01));
            total += await(step_a(n + i));
        } else {
            await(durable_sleep(0.01));
            total += await(step_b(n + i));
        }
    }
    switch (n % 3) {
    case 1:
        await(durable_sleep(0.01));
        total += await(step_c(n));
        break;
    case 2:
        await(durable_sleep(0.01));
        total += await(step_c(n * 2));
        break;
    default:
        await(durable_sleep(0.01));
        total += await(step_c(-n));
        break;
    }
    return total;
}

int main(void)
{
    return ident_main(route(7));
}

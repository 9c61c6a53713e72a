/* route, edited: a sleep added at the top of the loop body, alike in text
 * and saved locals to the sleeps in the two branches below it. */
#include <durable.h>

#include "ident.h"

durable int route(int n)
{
    int total = 0;
    for (int i = 0; i < 3; i++) {
        await(durable_sleep(0.01));
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

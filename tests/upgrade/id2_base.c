/* The second base build, route: awaits alike in text in a loop, in both
 * branches of an if and in two cases of a switch; only their places (and
 * their order) tell them apart. */
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

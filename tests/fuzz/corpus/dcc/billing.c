/*
 * billing — a year of monthly invoices on the virtual clock: thirty-day
 * durable timers run in milliseconds, and survive crashes like real ones.
 * Between awaits the code may read the clock: nothing is replayed.
 */
#include "feature.h"

static int invoice(int month, int cents)
{
    effect("invoice month %d", month);
    return cents + month; /* what was billed */
}

durable int billing(int months, int cents)
{
    int total = 0;
    for (int month = 1; month <= months; month++) {
        await(durable_sleep(30.0 * 24 * 3600)); /* thirty days */
        total += await(invoice(month, cents));
    }
    return total;
}

int main(void)
{
    durable_options o;
    durable_options_init(&o);
    o.virtual_time = 1;
    durable_rt *rt = open_test_db(&o);
    MUST(durable_start(rt, "acme", billing(12, 1000)));
    run_all(rt);
    print_outcome(rt, "acme");
    MUST(durable_close(rt));
    return 0;
}

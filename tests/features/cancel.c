/*
 * cancel — durable_cancel interrupts the await a workflow is suspended at
 * (here a one-hour timer in a child) with DURABLE_ECANCELLED, cancels its
 * children with it, and lets each compensate.  A workflow that handles its
 * cancellation and returns ends `done` with the value it returned; one whose
 * code does not look at durable_error() ends `cancelled` at that await.
 * Timers run on the virtual clock, so the uncancelled order ships at once.
 *
 *   cancel setup    start three orders, run until all wait, cancel "o1" (which
 *                   compensates) and "o3" (which does not look)
 *   cancel          run to the end, print the outcomes
 */
#include "feature.h"

static int ship(int order)
{
    effect("ship %d", order);
    return 100 + order;
}

static int release(int order)
{
    effect("release %d", order);
    return 1;
}

durable int deliver_later(int order)
{
    await(durable_sleep(3600));
    if (durable_error() == DURABLE_ECANCELLED) {
        await(release(order));
        return -1;
    }
    return await(ship(order));
}

durable int order_flow(int order)
{
    int r = await(deliver_later(order));
    if (durable_error()) { /* the child was cancelled with us */
        await(release(order + 1000));
        return -2;
    }
    return r;
}

durable int order_unguarded(int order)
{
    await(durable_sleep(3600)); /* nothing looks at durable_error() here */
    return await(ship(order));
}

int main(int argc, char **argv)
{
    durable_options o;
    durable_options_init(&o);
    o.virtual_time = 1;
    durable_rt *rt = open_test_db(&o);
    if (argc > 1 && strcmp(argv[1], "setup") == 0) {
        MUST(durable_start(rt, "o1", order_flow(1)));
        MUST(durable_start(rt, "o2", order_flow(2)));
        MUST(durable_start(rt, "o3", order_unguarded(3)));
        MUST(durable_run(rt)); /* the children and o3 now sleep for an hour */
        MUST(durable_cancel(rt, "o1"));
        MUST(durable_cancel(rt, "o3"));
        int rc = durable_cancel(rt, "nobody");
        if (rc != DURABLE_ENOENT)
            return 1;
        MUST(durable_close(rt));
        return 0;
    }
    run_all(rt);
    print_outcome(rt, "o1");
    print_outcome(rt, "o1/deliver_later.1");
    print_outcome(rt, "o2");
    print_outcome(rt, "o3");
    printf("cancel after the end: %s\n", durable_errname(refusal(durable_cancel(rt, "o2"))));
    MUST(durable_close(rt));
    return 0;
}

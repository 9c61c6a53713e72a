/*
 * signals — signals are durable: sent before the workflow waits they are
 * queued, several arrive in order, none is lost or delivered twice across
 * crashes; a wait can time out; a broadcast reaches every waiting workflow.
 *
 *   signals setup   start the workflows, let `collect` wait, then send five
 *                   signals (the first is delivered to the waiting workflow,
 *                   the rest queue)
 *   signals         run to the end and print the results
 */
#include "feature.h"

durable int collect(int n)
{
    unsigned hash = 7;
    int got = 0;
    for (int i = 0; i < n; i++) {
        int arrived = await(durable_wait_signal("item", -1));
        size_t len = 0;
        const char *data = durable_signal_data(&len);
        if (arrived && data) {
            for (size_t k = 0; k < len; k++) /* order-sensitive */
                hash = hash * 31 + (unsigned char)data[k];
            got++;
        }
    }
    return (int)(hash % 1000000) * 10 + got;
}

durable int bell(int n)
{
    int woken = await(durable_wait_signal("wake", -1));
    size_t len = 0;
    const char *data = durable_signal_data(&len);
    return woken && data && strcmp(data, "all") == 0 ? n : -n;
}

/* A wait that times out yields 0 with durable_error() == DURABLE_ETIMEDOUT. */
durable int patient(double seconds)
{
    int arrived = await(durable_wait_signal("never", seconds));
    if (arrived)
        return 1;
    return durable_error() == DURABLE_ETIMEDOUT ? 42 : -durable_error();
}

/* A timeout is an outcome, not a failure: code that does not look at
 * durable_error() goes on with the 0. */
durable int heedless(double seconds)
{
    int arrived = await(durable_wait_signal("never", seconds));
    return arrived ? 1 : 43;
}

int main(int argc, char **argv)
{
    durable_rt *rt = open_test_db(NULL);
    if (argc > 1 && strcmp(argv[1], "setup") == 0) {
        MUST(durable_start(rt, "collect", collect(5)));
        MUST(durable_start(rt, "patient", patient(0.05)));
        MUST(durable_start(rt, "heedless", heedless(0.05)));
        MUST(durable_start(rt, "bell-1", bell(1)));
        MUST(durable_start(rt, "bell-2", bell(2)));
        MUST(durable_run(rt)); /* collect now waits for "item", the bells for "wake" */
        int n = durable_signal_all(rt, "wake", "all", 4); /* with its NUL */
        if (n != 2) {
            fprintf(stderr, "broadcast reached %d workflows, expected 2\n", n);
            return 1;
        }
        static const char *const items[] = {"alpha", "beta", "gamma", "delta", "epsilon"};
        for (int i = 0; i < 5; i++)
            MUST(durable_signal(rt, "collect", "item", items[i], strlen(items[i])));
        int rc = durable_signal(rt, "nobody", "item", "x", 1);
        if (rc != DURABLE_ENOENT) {
            fprintf(stderr, "signal to an unknown workflow: %s\n", durable_errname(rc));
            return 1;
        }
        MUST(durable_close(rt));
        return 0;
    }
    run_all(rt);
    print_outcome(rt, "collect");
    print_outcome(rt, "patient");
    print_outcome(rt, "heedless");
    print_outcome(rt, "bell-1");
    print_outcome(rt, "bell-2");
    int rc = durable_signal(rt, "collect", "item", "late", 4);
    printf("signal after the end: %s\n", durable_errname(refusal(rc)));
    MUST(durable_close(rt));
    return 0;
}

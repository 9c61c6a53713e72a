/* A program a user writes against an installed Durable C: one durable
 * function with a step and a timer, started, run, and its result printed. */
#include <durable.h>

#include <stdio.h>

static int add_tax(int cents)
{
    return cents + cents / 5;
}

durable int invoice(int cents)
{
    int total = await(add_tax(cents));
    await(durable_sleep(0.01));
    return total;
}

int main(int argc, char **argv)
{
    durable_rt *rt;
    int rc = durable_open(&rt, argc > 1 ? argv[1] : "app.db", NULL);
    if (rc != DURABLE_OK) {
        fprintf(stderr, "app: %s\n", durable_strerror(rc));
        return 1;
    }
    rc = durable_start(rt, "inv-1", invoice(1000));
    while (rc >= 0 && (rc = durable_run(rt)) > 0)
        rc = durable_wait(rt, 100);
    int total = 0;
    if (rc >= 0)
        rc = durable_result(rt, "inv-1", &total);
    printf("inv-1: %s, total %d\n", durable_strerror(rc), total);
    durable_close(rt);
    return rc == DURABLE_OK ? 0 : 1;
}

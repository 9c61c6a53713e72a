/*
 * checkout — an order that reserves stock (a child durable function),
 * charges a card (a step that must never run twice), then waits three "days"
 * (durable timers) before it completes.  Kill it anywhere; run it again and it
 * goes on from its last await, with its locals as they were.
 *
 *   checkout [DB] [--day SECONDS] [--quiet]   (a demo "day" is 1 second;
 *                                             --quiet prints only the result)
 */
#include <durable.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double day_seconds = 1.0;
static int quiet;

static int check_inventory(int order)
{
    if (!quiet)
        printf("  [step] checking inventory for order %d\n", order);
    return 12;
}

static int charge_card(int order, int cents)
{
    if (!quiet)
        printf("  [step] charging $%d.%02d for order %d (idempotency key %s)\n", cents / 100, cents % 100, order,
               durable_step_key());
    return 7000 + order;
}

durable int reserve_stock(int order)
{
    int have = await(check_inventory(order));
    return have > 0;
}

durable int checkout(int order, int cents)
{
    int ok = await(reserve_stock(order));
    if (!ok)
        return -1;
    int receipt = await(charge_card(order, cents));
    for (int day = 1; day <= 3; day++) {
        await(durable_sleep(day_seconds));
        if (!quiet)
            printf("  day %d of 3 has passed for order %d (receipt %d)\n", day, order, receipt);
    }
    return receipt;
}

int main(int argc, char **argv)
{
    const char *db = "checkout.db";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--day") == 0 && i + 1 < argc)
            day_seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--quiet") == 0)
            quiet = 1;
        else
            db = argv[i];
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    durable_rt *rt;
    int rc = durable_open(&rt, db, NULL);
    if (rc != DURABLE_OK) {
        fprintf(stderr, "checkout: %s: %s\n", db, durable_strerror(rc));
        return 1;
    }
    rc = durable_start(rt, "order-42", checkout(42, 1999));
    while (rc >= 0 && (rc = durable_run(rt)) > 0)
        rc = durable_wait(rt, 1000);
    int receipt = 0;
    if (rc >= 0)
        rc = durable_result(rt, "order-42", &receipt);
    if (rc < 0) {
        fprintf(stderr, "checkout: %s\n", durable_strerror(rc));
        durable_close(rt);
        return 1;
    }
    printf("order-42 finished: receipt %d\n", receipt);
    durable_close(rt);
    return 0;
}

/*
 * billing — a subscription billed on the first of every month, for years.
 * Between invoices the workflow sleeps one calendar month (28 to 31 days) as
 * a durable timer: nothing runs and nothing is held in memory while it
 * waits, and a crash, a restart or a deploy in the middle of a month does not
 * move the next invoice.  The loop is plain C; its frame stays the same size
 * however many months it has run.  `durable cancel DB ID` ends a
 * subscription: the sleep it is in returns DURABLE_ECANCELLED, it sends a
 * final statement and returns what it billed (a handled cancellation ends
 * the workflow done).
 *
 *   billing DB start ID YEAR MONTH YEARS CENTS   subscribe from YEAR-MONTH
 *   billing DB run [--fast] [--quiet]            bill until every subscription ends
 *                                                (--fast: timers on the virtual
 *                                                clock, years in milliseconds)
 *   billing DB status ID                         what it billed, or pending
 */
#include <durable.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int quiet;

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return days[month - 1] + (month == 2 && leap);
}

/* A real invoice would call the payment provider, passing durable_step_key()
 * as its idempotency key so a retried request is not charged twice. */
static int invoice(const char *customer, int year, int month, int cents)
{
    if (!quiet)
        printf("  [step] %04d-%02d-01 invoiced %s $%d.%02d\n", year, month, customer, cents / 100, cents % 100);
    return cents;
}

static int final_statement(const char *customer, int invoices, int cents)
{
    if (!quiet)
        printf("  [step] %s cancelled: final statement, %d invoices, $%d.%02d\n", customer, invoices,
               cents / 100, cents % 100);
    return 0;
}

/* Bills `years` years from year-month; returns what it billed, in cents. */
durable int subscription(const char *customer, int year, int month, int years, int cents)
{
    int billed = 0;
    for (int i = 0; i < years * 12; i++) {
        billed += await(invoice(customer, year, month, cents));
        await(durable_sleep(days_in_month(year, month) * 24 * 3600.0));
        if (durable_error() == DURABLE_ECANCELLED) {
            await(final_statement(customer, i + 1, billed));
            return billed;
        }
        if (++month > 12) {
            month = 1;
            year++;
        }
    }
    return billed;
}

static int usage(void)
{
    fprintf(stderr, "usage: billing DB start ID YEAR MONTH YEARS CENTS | run [--fast] [--quiet] | status ID\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    durable_options o;
    durable_options_init(&o);
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[2], "run") == 0 && strcmp(argv[i], "--fast") == 0)
            o.virtual_time = 1;
        else if (strcmp(argv[2], "run") == 0 && strcmp(argv[i], "--quiet") == 0)
            quiet = 1;
    }
    durable_rt *rt;
    int rc = durable_open(&rt, argv[1], &o);
    if (rc != DURABLE_OK) {
        fprintf(stderr, "billing: %s\n", durable_open_error()); /* names the path and the reason */
        return 1;
    }
    if (strcmp(argv[2], "start") == 0 && argc == 8) {
        rc = durable_start(rt, argv[3], subscription(argv[3], atoi(argv[4]), atoi(argv[5]), atoi(argv[6]), atoi(argv[7])));
        if (rc >= 0)
            rc = durable_run(rt); /* the first invoice; then it sleeps */
    } else if (strcmp(argv[2], "run") == 0) {
        while ((rc = durable_run(rt)) > 0)
            durable_wait(rt, 60 * 1000);
    } else if (strcmp(argv[2], "status") == 0 && argc == 4) {
        int billed = 0, st = 0;
        rc = durable_status(rt, argv[3], &st);
        if (rc >= 0 && st == DURABLE_DONE && (rc = durable_result(rt, argv[3], &billed)) >= 0)
            printf("%s: billed $%d.%02d\n", argv[3], billed / 100, billed % 100);
        else if (rc >= 0)
            printf("%s: %s\n", argv[3], durable_status_name(st));
    } else {
        durable_close(rt);
        return usage();
    }
    if (rc < 0) {
        fprintf(stderr, "billing: %s\n", durable_strerror(rc));
        durable_close(rt);
        return 1;
    }
    durable_close(rt);
    return 0;
}

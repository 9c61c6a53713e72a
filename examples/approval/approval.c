/*
 * approval — an expense waits for a person's decision, sent as a signal
 * from outside (this program, another process, or `durable signal`); if
 * nobody answers within two days it is escalated and rejected.  The wait
 * costs nothing while it lasts and survives restarts and deploys.
 *
 *   approval DB start ID WHO CENTS   file an expense, run until it waits
 *   approval DB decide ID approve|reject
 *   approval DB run [--fast]         run until every expense is decided
 *                                    (--fast: timers on the virtual clock)
 *   approval DB status ID            approved, rejected or pending
 *
 * `durable signal DB ID decision approve` decides from the shell as well.
 */
#include <durable.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ask(const char *who, int cents)
{
    printf("  [step] asked %s's manager to approve $%d.%02d\n", who, cents / 100, cents % 100);
    return 0;
}

static int escalate(const char *who)
{
    printf("  [step] no answer for %s's expense in two days: escalated\n", who);
    return 0;
}

static int record(const char *who, int cents, int approved)
{
    printf("  [step] %s's $%d.%02d %s\n", who, cents / 100, cents % 100, approved ? "approved" : "rejected");
    return approved;
}

durable int expense(const char *who, int cents)
{
    await(ask(who, cents));
    int answered = await(durable_wait_signal("decision", 2 * 24 * 3600.0));
    int approved = 0;
    if (answered) {
        size_t len = 0;
        const char *decision = durable_signal_data(&len);
        approved = decision && strcmp(decision, "approve") == 0;
    } else {
        await(escalate(who));
    }
    return await(record(who, cents, approved));
}

static int usage(void)
{
    fprintf(stderr, "usage: approval DB start ID WHO CENTS | decide ID approve|reject | run [--fast] | status ID\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    durable_options o;
    durable_options_init(&o);
    o.virtual_time = argc > 3 && strcmp(argv[3], "--fast") == 0;
    durable_rt *rt;
    int rc = durable_open(&rt, argv[1], &o);
    if (rc != DURABLE_OK) {
        fprintf(stderr, "approval: %s: %s\n", argv[1], durable_strerror(rc));
        return 1;
    }
    if (strcmp(argv[2], "start") == 0 && argc == 6) {
        rc = durable_start(rt, argv[3], expense(argv[4], atoi(argv[5])));
        if (rc >= 0)
            rc = durable_run(rt);
    } else if (strcmp(argv[2], "decide") == 0 && argc == 5) {
        rc = durable_signal(rt, argv[3], "decision", argv[4], strlen(argv[4]) + 1);
        if (rc >= 0)
            rc = durable_run(rt);
    } else if (strcmp(argv[2], "status") == 0 && argc == 4) {
        int approved = 0;
        rc = durable_result(rt, argv[3], &approved);
        printf("%s: %s\n", argv[3], rc == DURABLE_OK ? (approved ? "approved" : "rejected") : "pending");
        rc = rc == DURABLE_EPENDING ? DURABLE_OK : rc;
    } else if (strcmp(argv[2], "run") == 0) {
        while ((rc = durable_run(rt)) > 0)
            durable_wait(rt, 1000);
    } else {
        durable_close(rt);
        return usage();
    }
    if (rc < 0) {
        fprintf(stderr, "approval: %s\n", durable_strerror(rc));
        durable_close(rt);
        return 1;
    }
    durable_close(rt);
    return 0;
}

/*
 * live — a worker running the README loop, and operators talking to it from
 * other processes while it runs: signals, pause and resume, cancel, retry
 * and starts, each written by another process (the `durable` tool, or this
 * program in `start` mode) and obeyed without a restart.
 *
 *   live worker DB            the README loop (LIVE_WAIT_MS: its durable_wait
 *                             timeout, 1000 by default) until nothing is unfinished,
 *                             then every workflow's outcome, one a line
 *   live start DB ID KIND N   start workflow ID (gate, ticker, guarded,
 *                             unguarded, flaky) from another process
 *   live foreign DB ID MS     make ID claimed by a worker of another host,
 *                             whose lease runs out MS ms from now (as one
 *                             that lost power leaves it): written straight
 *                             into the file, as that worker would have
 */
#include <durable.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int record(int n, int v)
{
    return n * 1000 + v;
}

static int tick(int i)
{
    return i;
}

static int undo(int n)
{
    return n;
}

/* Fails permanently until the file `fixed` exists (an operator's fix). */
static int fragile(int n)
{
    if (access("fixed", F_OK) != 0)
        durable_fail_permanent(5, "not fixed yet");
    return n * 10;
}

/* Waits up to an hour for signal "go" (far beyond any bound of the test);
 * its payload is a number. */
durable int gate(int n)
{
    int got = await(durable_wait_signal("go", 3600));
    size_t len = 0;
    const char *d = durable_signal_data(&len);
    return await(record(n, got && d ? atoi(d) : -1));
}

durable int ticker(int n)
{
    int sum = 0;
    for (int i = 0; i < n; i++) {
        await(durable_sleep(0.05));
        sum += await(tick(i));
    }
    return sum;
}

/* Handles its cancellation: done, with the value it returns. */
durable int guarded(int n)
{
    await(durable_sleep(3600));
    if (durable_error() == DURABLE_ECANCELLED) {
        await(undo(n));
        return 100 + n;
    }
    return n;
}

/* Does not look: ends cancelled. */
durable int unguarded(int n)
{
    await(durable_sleep(3600));
    return n;
}

/* An unchecked permanent failure: ends failed, kept for durable_retry. */
durable int flaky(int n)
{
    return await(fragile(n));
}

static durable_rt *open_db(const char *path)
{
    durable_rt *rt;
    int rc = durable_open(&rt, path, NULL);
    if (rc != DURABLE_OK) {
        fprintf(stderr, "live: %s: %s\n", path, durable_strerror(rc));
        exit(1);
    }
    return rt;
}

static int start(durable_rt *rt, const char *id, const char *kind, int n)
{
    if (strcmp(kind, "gate") == 0)
        return durable_start(rt, id, gate(n));
    if (strcmp(kind, "ticker") == 0)
        return durable_start(rt, id, ticker(n));
    if (strcmp(kind, "guarded") == 0)
        return durable_start(rt, id, guarded(n));
    if (strcmp(kind, "unguarded") == 0)
        return durable_start(rt, id, unguarded(n));
    if (strcmp(kind, "flaky") == 0)
        return durable_start(rt, id, flaky(n));
    return DURABLE_EINVAL;
}

static void outcome(durable_rt *rt, const char *id)
{
    int st = 0, v = 0;
    if (durable_status(rt, id, &st) != DURABLE_OK) {
        printf("%s: unknown\n", id);
        return;
    }
    int rc = durable_result(rt, id, &v);
    if (rc == DURABLE_OK)
        printf("%s: %s %d\n", id, durable_status_name(st), v);
    else
        printf("%s: %s (%s)\n", id, durable_status_name(st), durable_errname(rc));
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "worker") == 0) {
        durable_rt *rt = open_db(argv[2]);
        const char *w = getenv("LIVE_WAIT_MS"); /* how long each durable_wait may sleep */
        int n, wait_ms = w ? atoi(w) : 1000;
        while ((n = durable_run(rt)) > 0) /* the README loop */
            durable_wait(rt, wait_ms);
        if (n < 0) {
            fprintf(stderr, "live: durable_run: %s\n", durable_strerror(n));
            return 1;
        }
        for (int i = 3; i < argc; i++)
            outcome(rt, argv[i]);
        durable_close(rt);
        return 0;
    }
    if (argc == 6 && strcmp(argv[1], "start") == 0) {
        durable_rt *rt = open_db(argv[2]);
        int rc = start(rt, argv[3], argv[4], atoi(argv[5]));
        durable_close(rt);
        if (rc != DURABLE_OK) {
            fprintf(stderr, "live: start %s: %s\n", argv[3], durable_strerror(rc));
            return 1;
        }
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "foreign") == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long long lease = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + atoll(argv[4]);
        sqlite3 *db;
        char *sql = sqlite3_mprintf("BEGIN IMMEDIATE;"
                                    "INSERT INTO durable_workers(id, lease_ms) VALUES ('elsewhere:1:1:0', %lld);"
                                    "UPDATE durable_workflows SET owner = 'elsewhere:1:1:0' WHERE id = %Q;"
                                    "COMMIT;",
                                    lease, argv[3]);
        int rc = sqlite3_open(argv[2], &db);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
        if (rc == SQLITE_OK && sqlite3_changes(db) != 1)
            rc = SQLITE_NOTFOUND;
        if (rc != SQLITE_OK)
            fprintf(stderr, "live: foreign %s: %s\n", argv[3], sqlite3_errmsg(db));
        sqlite3_free(sql);
        sqlite3_close(db);
        return rc == SQLITE_OK ? 0 : 1;
    }
    fprintf(stderr, "usage: live worker DB [ID...] | live start DB ID KIND N | live foreign DB ID MS\n");
    return 2;
}

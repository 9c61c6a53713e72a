/*
 * oom.c — libdurable out of memory: the Nth allocation fails, for every N.
 *
 * One scenario touches every host call and every kind of await: open; start
 * a parent (two children called in turn, three spawned and awaited with
 * durable_all), a signal waiter and a sleeper; run; signal; cancel; run to the
 * end on the virtual clock; read the results; close.  A call that returns
 * DURABLE_ENOMEM is called again (the failure is one-shot, as a transient
 * shortage is), and any other error fails the test.  For N = 1, 2, 3 ... the
 * Nth allocation of that scenario fails, until a run makes fewer than N:
 *
 *   - every call returns DURABLE_ENOMEM or succeeds: no crash, no abort;
 *   - the results equal those of a run without failure: nothing committed
 *     is lost, nothing runs twice that a checkpoint recorded;
 *   - no leak (the sanitizer build runs this test too, LeakSanitizer on).
 *
 *   oom runtime    fail the runtime's own allocations (alloc.c)
 *   oom sqlite     fail SQLite's as well (sqlite3_config(SQLITE_CONFIG_MALLOC)
 *                  with an allocator that asks the same knob), every STRIDE-th
 *                  N (argument 2, default 1)
 *   oom create [STRIDE]  the same for creating a database file, starting a
 *                  workflow in it and closing (the scenarios above start from
 *                  a copy of an empty database: creating one costs more
 *                  than the rest of a scenario)
 */
#include <durable.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness/testdb.h" /* testdb_remove */

static int square(int x)
{
    return x * x;
}

durable int child(int x)
{
    await(durable_sleep(0.5));
    return await(square(x));
}

durable int parent(int n)
{
    int sum = 0;
    for (int i = 1; i <= n; i++)
        sum += await(child(i));
    for (int i = 0; i < 3; i++)
        await(durable_spawn(child(10 + i)));
    int failed = await(durable_all());
    for (int h = 0; h < 3; h++) {
        int r = 0;
        if (durable_child_result(h, &r) == DURABLE_OK)
            sum += r;
    }
    return sum * 10 + failed;
}

durable int waiter(int n)
{
    int got = await(durable_wait_signal("go", -1));
    size_t len = 0;
    const char *d = durable_signal_data(&len);
    return got && d ? n + atoi(d) : -1;
}

durable int sleeper(int n)
{
    await(durable_sleep(3600));
    if (durable_error() == DURABLE_ECANCELLED)
        return 1000 + n;
    return n;
}

static char db[256];
static long retries; /* calls that returned ENOMEM and were made again */
static long failing; /* the allocation that fails in this scenario (0: none) */

#define FAIL(...)                                                                                   \
    do {                                                                                            \
        fprintf(stderr, __VA_ARGS__);                                                               \
        exit(1);                                                                                    \
    } while (0)

/* Make the call until it does not run out of memory; any other error fails. */
#define AGAIN(call)                                                                                 \
    ({                                                                                              \
        int rc_;                                                                                    \
        while ((rc_ = (call)) == DURABLE_ENOMEM)                                                    \
            retries++;                                                                              \
        if (rc_ < 0)                                                                                \
            FAIL("%s:%d: %s: %s\n", __FILE__, __LINE__, #call, durable_errname(rc_));               \
        rc_;                                                                                        \
    })


/* Copy the file `from` to `to` (an empty database made once: creating the
 * schema costs more than the rest of a scenario; `create` covers it). */
static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (!in || !out)
        FAIL("cannot copy %s to %s\n", from, to);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            FAIL("cannot write %s\n", to);
    fclose(in);
    if (fclose(out) != 0)
        FAIL("cannot write %s\n", to);
}

static char empty_db[300];

/* The scenario; its results, one a line, into out. */
static void scenario(char *out, size_t cap)
{
    testdb_remove(db);
    copy_file(empty_db, db);
    durable_options o;
    durable_options_init(&o);
    o.virtual_time = 1;
    o.synchronous = DURABLE_SYNC_NORMAL;
    durable_rt *rt;
    AGAIN(durable_open(&rt, db, &o));
    AGAIN(durable_start(rt, "p", parent(2)));
    AGAIN(durable_start(rt, "w", waiter(5)));
    AGAIN(durable_start(rt, "s", sleeper(7)));
    AGAIN(durable_run(rt));
    AGAIN(durable_signal(rt, "w", "go", "4", 2));
    AGAIN(durable_cancel(rt, "s"));
    static const char *const ids[] = {"p", "w", "s"};
    for (long rounds = 0; AGAIN(durable_run(rt)) > 0; rounds++) {
        if (rounds == 10000) { /* a few dozen suffice: something is stuck */
            for (int i = 0; i < 3; i++) {
                int st = 0;
                durable_status(rt, ids[i], &st);
                fprintf(stderr, "%s: %s\n", ids[i], durable_status_name(st));
            }
            FAIL("allocation %ld failed: the workflows never finish\n", failing);
        }
        AGAIN(durable_wait(rt, 100));
    }
    size_t n = 0;
    for (int i = 0; i < 3; i++) {
        int v = 0, st = 0;
        AGAIN(durable_status(rt, ids[i], &st));
        int rc;
        while ((rc = durable_result(rt, ids[i], &v)) == DURABLE_ENOMEM)
            retries++;
        n += (size_t)snprintf(out + n, cap - n, "%s: %s %d (%s)\n", ids[i], durable_status_name(st), v,
                              durable_errname(rc));
    }
    AGAIN(durable_close(rt));
}

/* SQLite's allocator, asking the same knob: a size header before each block. */
static void *sq_malloc(int n)
{
    if (durable__alloc_fails())
        return NULL;
    long long *p = malloc((size_t)n + 16);
    if (!p)
        return NULL;
    p[0] = n;
    return p + 2;
}

static void sq_free(void *p)
{
    if (p)
        free((long long *)p - 2);
}

static int sq_size(void *p)
{
    return p ? (int)((long long *)p - 2)[0] : 0;
}

static void *sq_realloc(void *p, int n)
{
    if (durable__alloc_fails())
        return NULL;
    long long *q = realloc(p ? (long long *)p - 2 : NULL, (size_t)n + 16);
    if (!q)
        return NULL;
    q[0] = n;
    return q + 2;
}

static int sq_roundup(int n)
{
    return (n + 7) & ~7;
}

static int sq_init(void *ctx)
{
    (void)ctx;
    return SQLITE_OK;
}

static void sq_shutdown(void *ctx)
{
    (void)ctx;
}

/* Create a database, start one workflow, close: what `create` fails. */
static void create_scenario(char *out, size_t cap)
{
    testdb_remove(db);
    durable_rt *rt;
    AGAIN(durable_open(&rt, db, NULL));
    AGAIN(durable_start(rt, "p", parent(2)));
    AGAIN(durable_close(rt));
    durable__test_fail_alloc(0); /* off (the count stays): read it back as it is on disk */
    int st = 0;
    if (durable_open(&rt, db, NULL) != DURABLE_OK || durable_status(rt, "p", &st) != DURABLE_OK)
        FAIL("the created database does not read back\n");
    durable_close(rt);
    snprintf(out, cap, "p: %s\n", durable_status_name(st));
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    int with_sqlite = strcmp(mode, "sqlite") == 0 || strcmp(mode, "create") == 0;
    if (!with_sqlite && strcmp(mode, "runtime") != 0) {
        fprintf(stderr, "usage: oom runtime | oom sqlite [STRIDE] | oom create [STRIDE]\n");
        return 2;
    }
    long stride = argc > 2 ? atol(argv[2]) : 1;
    if (stride < 1)
        stride = 1;
    if (with_sqlite) {
        static const sqlite3_mem_methods m = {sq_malloc, sq_free, sq_realloc, sq_size, sq_roundup, sq_init,
                                              sq_shutdown, NULL};
        if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK)
            FAIL("sqlite3_config failed\n");
    }
    /* thousands of scenarios: a memory file system when there is one */
    const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    snprintf(db, sizeof db, "%s/durable-oom-%s-%d.db", tmp && *tmp ? tmp : "/tmp", mode, (int)getpid());
    snprintf(empty_db, sizeof empty_db, "%s/durable-oom-%s-%d.empty", tmp && *tmp ? tmp : "/tmp", mode,
             (int)getpid());
    void (*run)(char *, size_t) = strcmp(mode, "create") == 0 ? create_scenario : scenario;
    char want[512], got[512];
    durable__test_fail_alloc(0);
    durable_rt *rt;
    unlink(empty_db);
    if (durable_open(&rt, empty_db, NULL) != DURABLE_OK || durable_close(rt) != DURABLE_OK)
        FAIL("cannot make %s\n", empty_db);
    run(want, sizeof want);
    if (retries)
        FAIL("the reference run retried %ld calls\n", retries);
    long n = 1, runs = 0, total_retries = 0;
    if (getenv("OOM_START"))
        n = atol(getenv("OOM_START"));
    for (;; n += stride) {
        failing = n;
        durable__test_fail_alloc(n);
        retries = 0;
        run(got, sizeof got);
        long fired = durable__test_alloc_failed();
        durable__test_fail_alloc(0);
        runs++;
        total_retries += retries;
        if (strcmp(got, want) != 0)
            FAIL("allocation %ld failed: results differ\n--- expected\n%s--- got\n%s", n, want, got);
        if (!fired)
            break; /* the scenario makes fewer than n allocations: all were tried */
        if (getenv("OOM_VERBOSE") && (n % 100 == 1 || getenv("OOM_EVERY")))
            fprintf(stderr, "allocation %ld ...\n", n);
    }
    testdb_remove(db);
    unlink(empty_db);
    printf("oom %s: %ld scenarios, allocations 1..%ld failed in turn (stride %ld), %ld calls returned "
           "DURABLE_ENOMEM and were made again; results as without failure:\n%s",
           mode, runs, n - 1, stride, total_retries, want);
    return 0;
}

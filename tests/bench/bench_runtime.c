/*
 * bench_runtime — what a checkpoint costs, measured against SQLite itself in
 * the same run on the same file system.
 *
 *   bench_runtime [--quick] [DIR]
 *
 * For synchronous = FULL and NORMAL it prints:
 *   raw       single-row INSERT transactions per second (WAL, same pragmas)
 *   seq       awaits/s of ONE workflow awaiting 10,000 steps in a row: one
 *             commit per await, the floor of the design (target >= 50% of raw)
 *   fanin     awaits/s of 1,000 workflows of 10 steps each, where group commit
 *             puts a whole round in one transaction (target >= 10x raw)
 *   W1        steps/s of ONE workflow of 1,000 steps, end to end: its start,
 *             durable_run, durable_result (target >= 0.8x raw)
 *   W2        workflow-steps/s of the shape a user writes: a loop of 1,000
 *             durable_start calls (each its own commit), then durable_run and
 *             durable_result until every result is read, all timed (target
 *             >= 8x raw); and the same with the loop in one host batch
 *             (durable_batch_begin / durable_batch_commit; target >= 20x raw)
 * and each figure's ratio to raw.  No assertions: this machine is shared and
 * timing is noisy; tests/CMakeLists runs it with --quick only as a smoke test.
 */
#include "counter.h"
#include "testdb.h"

#include <durable.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_runtime: %s: %d (%s)\n", what, rc, rc < 0 ? durable_strerror(rc) : "sqlite");
    exit(1);
}

/* Single-row commits per second through the plain SQLite API. */
static double raw_commits(const char *path, int sync, int n)
{
    testdb_remove(path);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die("sqlite3_open", 0);
    char pragmas[160];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s;"
             "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);",
             sync == DURABLE_SYNC_FULL ? "FULL" : "NORMAL");
    if (sqlite3_exec(db, pragmas, NULL, NULL, NULL) != SQLITE_OK)
        die("pragmas", 0);
    sqlite3_stmt *ins;
    sqlite3_prepare_v2(db, "INSERT INTO t(v) VALUES (?1)", -1, &ins, NULL);
    unsigned char row[48] = {0};
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        sqlite3_bind_blob(ins, 1, row, sizeof row, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE)
            die("insert", 0);
        sqlite3_reset(ins);
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            die("commit", 0);
    }
    double dt = now_s() - t0;
    sqlite3_finalize(ins);
    sqlite3_close(db);
    testdb_remove(path);
    return n / dt;
}

/* Awaits per second of `nwf` workflows each awaiting `steps` steps. */
static double durable_awaits(const char *path, int sync, int nwf, int steps, unsigned long *commits)
{
    testdb_remove(path);
    durable_options o;
    durable_options_init(&o);
    o.synchronous = sync;
    durable_rt *rt;
    int rc = durable_open(&rt, path, &o);
    if (rc)
        die("durable_open", rc);
    for (int i = 0; i < nwf; i++) {
        char id[32];
        struct count_to__args a = {steps};
        snprintf(id, sizeof id, "w%d", i);
        if ((rc = durable_start(rt, id, count_to_call(&a))) != 0)
            die("durable_start", rc);
    }
    durable_stats s0, s1;
    durable_get_stats(rt, &s0);
    double t0 = now_s();
    if ((rc = durable_run(rt)) != 0)
        die("durable_run", rc);
    double dt = now_s() - t0;
    durable_get_stats(rt, &s1);
    *commits = (unsigned long)(s1.commits - s0.commits);
    double awaits = (double)(s1.awaits - s0.awaits);
    durable_close(rt);
    testdb_remove(path);
    return awaits / dt;
}

/* Steps per second of the W shape, end to end: `nwf` durable_start calls
 * (in one host batch if `batched`), then durable_run until none is left and
 * durable_result of every one, each workflow awaiting `steps` steps. */
static double end_to_end(const char *path, int sync, int nwf, int steps, int batched, unsigned long *commits)
{
    testdb_remove(path);
    durable_options o;
    durable_options_init(&o);
    o.synchronous = sync;
    durable_rt *rt;
    int rc = durable_open(&rt, path, &o);
    if (rc)
        die("durable_open", rc);
    durable_stats s0, s1;
    durable_get_stats(rt, &s0);
    double t0 = now_s();
    char id[32];
    struct count_to__args a = {steps};
    if (batched) {
        rc = durable_batch_begin(rt);
        for (int i = 0; rc == DURABLE_OK && i < nwf; i++) {
            snprintf(id, sizeof id, "w%d", i);
            rc = durable_start(rt, id, count_to_call(&a));
        }
        if (rc == DURABLE_OK)
            rc = durable_batch_commit(rt);
        else
            durable_batch_rollback(rt);
        if (rc != DURABLE_OK)
            die("batch of starts", rc);
    } else {
        for (int i = 0; i < nwf; i++) {
            snprintf(id, sizeof id, "w%d", i);
            if ((rc = durable_start(rt, id, count_to_call(&a))) != 0)
                die("durable_start", rc);
        }
    }
    while ((rc = durable_run(rt)) > 0)
        durable_wait(rt, 100);
    if (rc != 0)
        die("durable_run", rc);
    long want = (long)steps * (steps + 1) / 2;
    for (int i = 0; i < nwf; i++) {
        int v = 0;
        snprintf(id, sizeof id, "w%d", i);
        if ((rc = durable_result(rt, id, &v)) != 0 || v != want)
            die("durable_result", rc);
    }
    double dt = now_s() - t0;
    durable_get_stats(rt, &s1);
    *commits = (unsigned long)(s1.commits - s0.commits);
    durable_close(rt);
    testdb_remove(path);
    return (double)nwf * steps / dt;
}

int main(int argc, char **argv)
{
    int quick = 0;
    const char *dir = ".";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else
            dir = argv[i];
    }
    int raw_n = quick ? 200 : 5000, seq_n = quick ? 200 : 10000, wf_n = quick ? 100 : 1000;
    int w1_n = quick ? 100 : 1000;
    char path[512];
    snprintf(path, sizeof path, "%s/bench-%d.db", dir, (int)getpid());
    printf("bench_runtime: SQLite %s, files in %s%s\n", sqlite3_libversion(), dir, quick ? " (quick)" : "");
    printf("%-8s %-34s %12s %8s %10s\n", "sync", "what", "per second", "vs raw", "commits");
    const int syncs[] = {DURABLE_SYNC_FULL, DURABLE_SYNC_NORMAL};
    for (int k = 0; k < 2; k++) {
        const char *sname = syncs[k] == DURABLE_SYNC_FULL ? "FULL" : "NORMAL";
        /* The disk's speed drifts on a shared machine: raw is measured
         * before and after the rest, and the ratios use the mean. */
        double raw_before = raw_commits(path, syncs[k], raw_n);
        unsigned long c1, c2;
        double seq = durable_awaits(path, syncs[k], 1, seq_n, &c1);
        double fan = durable_awaits(path, syncs[k], wf_n, 10, &c2);
        unsigned long c3, c4, c5;
        double w1 = end_to_end(path, syncs[k], 1, w1_n, 0, &c3);
        double w2 = end_to_end(path, syncs[k], wf_n, 10, 0, &c4);
        double w2b = end_to_end(path, syncs[k], wf_n, 10, 1, &c5);
        double raw_after = raw_commits(path, syncs[k], raw_n), raw = (raw_before + raw_after) / 2;
        char what[64];
        printf("%-8s %-34s %12.0f %8s %10d\n", sname, "raw SQLite single-row commits", raw, "1.00", 2 * raw_n);
        printf("%-8s %-34s %5.0f, %5.0f\n", sname, "  (raw measured before, after)", raw_before, raw_after);
        snprintf(what, sizeof what, "awaits, 1 workflow x %d steps", seq_n);
        printf("%-8s %-34s %12.0f %7.2fx %10lu\n", sname, what, seq, seq / raw, c1);
        snprintf(what, sizeof what, "awaits, %d workflows x 10 steps", wf_n);
        printf("%-8s %-34s %12.0f %7.2fx %10lu\n", sname, what, fan, fan / raw, c2);
        snprintf(what, sizeof what, "W1 steps, 1 x %d, end to end", w1_n);
        printf("%-8s %-34s %12.0f %7.2fx %10lu\n", sname, what, w1, w1 / raw, c3);
        snprintf(what, sizeof what, "W2 steps, %d starts x 10, e2e", wf_n);
        printf("%-8s %-34s %12.0f %7.2fx %10lu\n", sname, what, w2, w2 / raw, c4);
        snprintf(what, sizeof what, "W2 steps, starts in 1 batch, e2e");
        printf("%-8s %-34s %12.0f %7.2fx %10lu\n", sname, what, w2b, w2b / raw, c5);
    }
    return 0;
}

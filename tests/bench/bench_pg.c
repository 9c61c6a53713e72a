/*
 * bench_pg — what a checkpoint costs on a PostgreSQL server, measured
 * against the same server's raw single-row commits in the same run.
 *
 *   bench_pg URI [--quick] [--only raw|w1|w2|w2b|workers|io|overhead]
 *
 * URI names a server (postgresql://user@host:port/db); every figure runs on
 * a database of its own, made (CREATE DATABASE) and dropped by the bench.
 * Durable C, through dcc, written as a user writes it; synchronous_commit is
 * the server's default (DURABLE_SYNC_FULL) unless said otherwise.  Prints:
 *
 *   raw       single-row INSERT commits per second through libpq (autocommit:
 *             one INSERT, its own transaction, per row), before and after
 *             the rest; the ratios use the mean; and the time of one round
 *             trip (a prepared SELECT 1)
 *   W1        steps/s of ONE workflow of 1,000 sequential steps, end to end:
 *             its start, durable_run, durable_result (target >= 0.5x raw)
 *   W2        steps/s of 1,000 workflows x 10 steps: a loop of 1,000
 *             durable_start (each its own commit), durable_run until none is
 *             left, every result read (target >= 6x raw); the same with the
 *             loop in one host batch (durable_batch_begin/commit; >= 15x)
 *   workers   1, 2 and 4 worker processes on one server running 1,000
 *             workflows x 10 trivial steps (started in one batch, not
 *             timed): steps/s, the speed-up against 1 worker, and the
 *             transactions the server rolled back (serialization conflicts
 *             lost, each round redone)
 *   io        the same with 200 workflows x 5 steps of 2 ms each
 *   overhead  one workflow of 500 steps that each take 2 ms against the same
 *             loop of plain calls (target < 5%), at the server's
 *             synchronous_commit and with it off (DURABLE_SYNC_NORMAL)
 *
 * No assertions: the machine is shared and timing is noisy; ctest runs it
 * with --quick only as a smoke test (tests/bench/CMakeLists.txt).
 */
#include <durable.h>
#include <libpq-fe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int trivial(int x)
{
    return x + 1;
}

static int work_2ms(int x)
{
    struct timespec ts = {0, 2000000L};
    nanosleep(&ts, NULL);
    return x + 1;
}

durable int seq_flow(int n)
{
    int v = 0;
    for (int k = 0; k < n; k++)
        v = await(trivial(v));
    return v;
}

durable int slow_flow(int n)
{
    int v = 0;
    for (int k = 0; k < n; k++)
        v = await(work_2ms(v));
    return v;
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_pg: %s: %s\n", what, durable_strerror(rc));
    exit(1);
}

static const char *server; /* the URI given */

/* The URI of database `db` on the server: the given URI with its path
 * replaced (its ?parameters kept). */
static void uri_of(const char *db, char *out, size_t size)
{
    const char *auth = strstr(server, "://");
    auth = auth ? auth + 3 : server;
    size_t host_end = (size_t)(auth - server) + strcspn(auth, "/?");
    const char *q = strchr(server, '?');
    snprintf(out, size, "%.*s/%s%s", (int)host_end, server, db, q ? q : "");
}

static PGconn *admin; /* on the given database: makes and drops the others */

static void admin_exec(const char *sql)
{
    PGresult *r = PQexec(admin, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "bench_pg: %s: %s", sql, PQerrorMessage(admin));
        exit(1);
    }
    PQclear(r);
}

/* A fresh database for one figure; its URI in uri. */
static void fresh_db(const char *name, char *uri, size_t size)
{
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
    admin_exec(sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    admin_exec(sql);
    uri_of(name, uri, size);
}

static void drop_db(const char *name)
{
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
    admin_exec(sql);
}

/* Single-row commits per second through plain libpq: a prepared INSERT of
 * one 48-byte row, autocommit, n times. */
static double raw_commits(int n)
{
    char uri[512];
    fresh_db("bench_raw", uri, sizeof uri);
    PGconn *c = PQconnectdb(uri);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "bench_pg: %s", PQerrorMessage(c));
        exit(1);
    }
    PGresult *r = PQexec(c, "CREATE TABLE t(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v bytea)");
    PQclear(r);
    r = PQprepare(c, "ins", "INSERT INTO t(v) VALUES ($1)", 1, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "bench_pg: prepare: %s", PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
    static const char row[48];
    const char *v[1] = {row};
    int len[1] = {sizeof row}, fmt[1] = {1};
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        r = PQexecPrepared(c, "ins", 1, v, len, fmt, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            fprintf(stderr, "bench_pg: insert: %s", PQerrorMessage(c));
            exit(1);
        }
        PQclear(r);
    }
    double dt = now_s() - t0;
    PQfinish(c);
    drop_db("bench_raw");
    return n / dt;
}

/* Microseconds of one round trip to the server: a prepared SELECT 1, n
 * times (what every statement waited for costs at least). */
static double round_trip_us(int n)
{
    PGresult *r = PQprepare(admin, "one", "SELECT 1", 0, NULL);
    PQclear(r);
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        r = PQexecPrepared(admin, "one", 0, NULL, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            fprintf(stderr, "bench_pg: SELECT 1: %s", PQerrorMessage(admin));
            exit(1);
        }
        PQclear(r);
    }
    double dt = now_s() - t0;
    PQclear(PQexec(admin, "DEALLOCATE one"));
    return 1e6 * dt / n;
}

static durable_rt *open_rt(const char *uri, int sync)
{
    durable_options o;
    durable_options_init(&o);
    o.synchronous = sync;
    durable_rt *rt;
    int rc = durable_open(&rt, uri, &o);
    if (rc != DURABLE_OK)
        die(durable_open_error() ? durable_open_error() : "durable_open", rc);
    return rt;
}

static unsigned long long commits_of(durable_rt *rt)
{
    durable_stats st;
    return durable_get_stats(rt, &st) == DURABLE_OK ? st.commits : 0;
}

static void start(durable_rt *rt, int i, int steps, int slow)
{
    char id[32];
    snprintf(id, sizeof id, "w%d", i);
    int rc = slow ? durable_start(rt, id, slow_flow(steps)) : durable_start(rt, id, seq_flow(steps));
    if (rc != DURABLE_OK)
        die("durable_start", rc);
}

static void run_all(durable_rt *rt)
{
    int rc;
    while ((rc = durable_run(rt)) > 0)
        durable_wait(rt, 100);
    if (rc < 0)
        die("durable_run", rc);
}

static void check_results(durable_rt *rt, int nwf, int steps)
{
    for (int i = 0; i < nwf; i++) {
        char id[32];
        int v = 0, rc;
        snprintf(id, sizeof id, "w%d", i);
        if ((rc = durable_result(rt, id, &v)) != DURABLE_OK)
            die("durable_result", rc);
        if (v != steps) {
            fprintf(stderr, "bench_pg: %s returned %d, not %d\n", id, v, steps);
            exit(1);
        }
    }
}

/* Steps per second of nwf workflows of `steps` steps, end to end: the starts
 * (in one host batch if `batched`), durable_run until none is left, every
 * result read; all timed but durable_open (which makes the tables in the
 * fresh database) and durable_close. */
static double end_to_end(int nwf, int steps, int batched, int slow, int sync, double *seconds,
                         unsigned long long *commits)
{
    char uri[512];
    fresh_db("bench_e2e", uri, sizeof uri);
    durable_rt *rt = open_rt(uri, sync);
    double t0 = now_s();
    int rc = DURABLE_OK;
    if (batched && (rc = durable_batch_begin(rt)) != DURABLE_OK)
        die("durable_batch_begin", rc);
    for (int i = 0; i < nwf; i++)
        start(rt, i, steps, slow);
    if (batched && (rc = durable_batch_commit(rt)) != DURABLE_OK)
        die("durable_batch_commit", rc);
    run_all(rt);
    check_results(rt, nwf, steps);
    double dt = now_s() - t0;
    *commits = commits_of(rt);
    durable_close(rt);
    drop_db("bench_e2e");
    if (seconds)
        *seconds = dt;
    return (double)nwf * steps / dt;
}

/* nworkers processes on one database run nwf workflows of `steps` steps that
 * were started in one batch before (not timed); steps/s from the fork to
 * the last worker's exit. */
static double workers(int nworkers, int nwf, int steps, int slow, long *rolled_back)
{
    char uri[512];
    fresh_db("bench_workers", uri, sizeof uri);
    durable_rt *rt = open_rt(uri, DURABLE_SYNC_FULL);
    int rc = durable_batch_begin(rt);
    if (rc != DURABLE_OK)
        die("durable_batch_begin", rc);
    for (int i = 0; i < nwf; i++)
        start(rt, i, steps, slow);
    if ((rc = durable_batch_commit(rt)) != DURABLE_OK)
        die("durable_batch_commit", rc);
    durable_close(rt);
    fflush(NULL);
    double t0 = now_s();
    pid_t pids[8];
    for (int w = 0; w < nworkers; w++) {
        pids[w] = fork();
        if (pids[w] < 0)
            die("fork", DURABLE_EIO);
        if (pids[w] == 0) {
            durable_options o;
            durable_options_init(&o);
            o.claim_batch = nwf / (4 * nworkers) > 0 ? nwf / (4 * nworkers) : 1; /* share the work */
            durable_rt *mine;
            if ((rc = durable_open(&mine, uri, &o)) != DURABLE_OK)
                die("worker open", rc);
            while ((rc = durable_run(mine)) > 0)
                durable_wait(mine, 20);
            if (rc < 0)
                die("worker durable_run", rc);
            durable_close(mine);
            _exit(0);
        }
    }
    int failed = 0;
    for (int w = 0; w < nworkers; w++) {
        int st;
        if (waitpid(pids[w], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            failed = 1;
    }
    double dt = now_s() - t0;
    if (failed)
        die("a worker failed", DURABLE_EIO);
    /* the transactions the server rolled back: rounds that lost a
     * serialization conflict (and were redone), as the workers exited */
    PGresult *r = PQexec(admin, "SELECT xact_rollback FROM pg_stat_database WHERE datname = 'bench_workers'");
    *rolled_back = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? atol(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    rt = open_rt(uri, DURABLE_SYNC_FULL);
    check_results(rt, nwf, steps);
    durable_close(rt);
    drop_db("bench_workers");
    return (double)nwf * steps / dt;
}

/* The same 2 ms steps as plain calls: seconds for n of them. */
static double plain_loop(int n)
{
    double t0 = now_s();
    int v = 0;
    for (int k = 0; k < n; k++)
        v = work_2ms(v);
    if (v != n)
        exit(1);
    return now_s() - t0;
}

static const char *only; /* --only NAME: that figure alone (for profiling) */

static int want(const char *name)
{
    return !only || strcmp(only, name) == 0;
}

/* "0.42x", or "-" without the raw rate */
static const char *ratio(double x, double raw)
{
    static char buf[4][16];
    static int k;
    k = (k + 1) % 4;
    if (raw > 0)
        snprintf(buf[k], sizeof buf[k], "%.2fx", x / raw);
    else
        snprintf(buf[k], sizeof buf[k], "-");
    return buf[k];
}

int main(int argc, char **argv)
{
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else if (!server)
            server = argv[i];
    }
    if (!server || !*server || (only && !strstr(" raw w1 w2 w2b workers io overhead ", only))) {
        fprintf(stderr, "usage: bench_pg URI [--quick] [--only raw|w1|w2|w2b|workers|io|overhead]\n");
        return 2;
    }
    unsetenv("DURABLE_STEP_THREADS"); /* steps inline, as the default */
    admin = PQconnectdb(server);
    if (PQstatus(admin) != CONNECTION_OK) {
        fprintf(stderr, "bench_pg: %s", PQerrorMessage(admin));
        return 1;
    }
    PQclear(PQexec(admin, "SET client_min_messages = warning"));
    PGresult *r = PQexec(admin, "SELECT version(), current_setting('synchronous_commit'), current_setting('fsync')");
    printf("bench_pg: %s\n  synchronous_commit=%s fsync=%s%s\n", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
           PQgetvalue(r, 0, 2), quick ? " (quick)" : "");
    PQclear(r);

    int raw_n = quick ? 100 : 5000, w1_n = quick ? 50 : 1000, wf_n = quick ? 50 : 1000;
    int wk_n = quick ? 40 : 1000, slow_wf = quick ? 8 : 200, slow_steps = quick ? 2 : 5;
    int ov_n = quick ? 20 : 500;
    double rtt = want("raw") ? round_trip_us(quick ? 100 : 2000) : 0;
    double raw_before = want("raw") ? raw_commits(raw_n) : 0;
    unsigned long long c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0;
    double w1 = want("w1") ? end_to_end(1, w1_n, 0, 0, DURABLE_SYNC_FULL, NULL, &c1) : 0;
    double w2 = want("w2") ? end_to_end(wf_n, 10, 0, 0, DURABLE_SYNC_FULL, NULL, &c2) : 0;
    double w2b = want("w2b") ? end_to_end(wf_n, 10, 1, 0, DURABLE_SYNC_FULL, NULL, &c3) : 0;
    static const int nw[] = {1, 2, 4};
    double wk[3] = {0}, wks[3] = {0};
    long rb[3] = {0}, rbs[3] = {0};
    for (int k = 0; want("workers") && k < 3; k++)
        wk[k] = workers(nw[k], wk_n, 10, 0, &rb[k]);
    for (int k = 0; want("io") && k < 3; k++)
        wks[k] = workers(nw[k], slow_wf, slow_steps, 1, &rbs[k]);
    double p0 = 0, p1 = 0, plain = 0, d_full = 0, d_normal = 0;
    if (want("overhead")) {
        p0 = plain_loop(ov_n);
        end_to_end(1, ov_n, 0, 1, DURABLE_SYNC_FULL, &d_full, &c4);
        end_to_end(1, ov_n, 0, 1, DURABLE_SYNC_NORMAL, &d_normal, &c5);
        p1 = plain_loop(ov_n);
        plain = (p0 + p1) / 2;
    }
    double raw_after = want("raw") ? raw_commits(raw_n) : 0, raw = (raw_before + raw_after) / 2;

    printf("%-46s %12s %8s %8s %8s\n", "what", "per second", "vs raw", "target", "commits");
    char what[80];
    if (want("raw")) {
        printf("%-46s %12.0f %8s %8s %8d\n", "raw libpq single-row INSERT commits", raw, "1.00x", "", 2 * raw_n);
        printf("%-46s %5.0f, %5.0f\n", "  (raw measured before, after)", raw_before, raw_after);
        printf("%-46s %12.0f us\n", "  (one round trip, a prepared SELECT 1)", rtt);
    }
    snprintf(what, sizeof what, "W1 steps, 1 x %d, end to end", w1_n);
    if (want("w1"))
        printf("%-46s %12.0f %8s %8s %8llu\n", what, w1, ratio(w1, raw), ">=0.5x", c1);
    snprintf(what, sizeof what, "W2 steps, %d starts x 10, end to end", wf_n);
    if (want("w2"))
        printf("%-46s %12.0f %8s %8s %8llu\n", what, w2, ratio(w2, raw), ">=6x", c2);
    if (want("w2b"))
        printf("%-46s %12.0f %8s %8s %8llu\n", "W2 steps, the starts in 1 batch, end to end", w2b, ratio(w2b, raw),
               ">=15x", c3);
    for (int k = 0; want("workers") && k < 3; k++) {
        snprintf(what, sizeof what, "workers: %d x %d wf x 10 trivial steps", nw[k], wk_n);
        printf("%-46s %12.0f %8s %7.2fx  (vs 1 worker; %ld rolled back)\n", what, wk[k], ratio(wk[k], raw),
               wk[k] / wk[0], rb[k]);
    }
    for (int k = 0; want("io") && k < 3; k++) {
        snprintf(what, sizeof what, "workers: %d x %d wf x %d steps of 2 ms", nw[k], slow_wf, slow_steps);
        printf("%-46s %12.0f %8s %7.2fx  (vs 1 worker; %ld rolled back)\n", what, wks[k], "", wks[k] / wks[0],
               rbs[k]);
    }
    if (want("overhead")) {
        printf("%-46s %10.3f s  (before %.3f, after %.3f)\n", "overhead: plain loop of 2 ms calls", plain, p0, p1);
        printf("%-46s %10.3f s  %+6.1f%%  (target < 5%%; %.0f us per checkpoint) %llu commits\n",
               "overhead: durable, server's synchronous_commit", d_full, 100 * (d_full - plain) / plain,
               1e6 * (d_full - plain) / ov_n, c4);
        printf("%-46s %10.3f s  %+6.1f%%  (%.0f us per checkpoint) %llu commits\n",
               "overhead: durable, synchronous_commit off", d_normal, 100 * (d_normal - plain) / plain,
               1e6 * (d_normal - plain) / ov_n, c5);
    }
    PQfinish(admin);
    return 0;
}

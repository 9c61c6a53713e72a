/*
 * bench_steps — steps on a pool of threads (durable_options.step_threads),
 * measured end to end as a user runs them: open, start, durable_run until
 * done, every result read.  Printed figures only, no assertions.
 *
 *   bench_steps DIR [--quick]
 *
 *   io       200 workflows x two 20 ms I/O-bound steps (a sleep standing for
 *            a network call) at step_threads 1, 8, 32 and 64, with the
 *            speed-up against 1 thread in the same run (ideal at N threads:
 *            min(N, 200)x, less the commits)
 *   W1       one workflow of 1,000 sequential trivial steps, at 1 and 32
 *   W2       1,000 workflows x 10 trivial steps, at 1 and 32
 *            (what the pool costs when steps do nothing: ratio 32 vs 1)
 */
#include <durable.h>

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

static int call_api(int x, int ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
    return x + 1;
}

static int trivial(int x)
{
    return x + 1;
}

durable int io_flow(int i)
{
    int a = await(call_api(i, 20));
    int b = await(call_api(a, 20));
    return b;
}

durable int seq_flow(int n)
{
    int v = 0;
    for (int k = 0; k < n; k++)
        v = await(trivial(v));
    return v;
}

static unsigned long long last_commits; /* of the last run */

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_steps: %s: %s\n", what, durable_strerror(rc));
    exit(1);
}

/* One measured run on a fresh file: `n` workflows of kind `kind`; returns
 * the wall time (s) from open to the last result read. */
static double run(const char *dir, int threads, int kind, int n, int steps)
{
    char db[512];
    snprintf(db, sizeof db, "%s/bench_steps.db", dir);
    static const char *const sfx[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char p[520];
        snprintf(p, sizeof p, "%s%s", db, sfx[i]);
        unlink(p);
    }
    double t0 = now_s();
    durable_options o;
    durable_options_init(&o);
    o.step_threads = threads;
    durable_rt *rt;
    int rc = durable_open(&rt, db, &o);
    if (rc != DURABLE_OK)
        die("open", rc);
    char id[32];
    for (int i = 0; i < n; i++) {
        snprintf(id, sizeof id, "w%d", i);
        rc = kind ? durable_start(rt, id, seq_flow(steps)) : durable_start(rt, id, io_flow(i));
        if (rc != DURABLE_OK)
            die("start", rc);
    }
    while ((rc = durable_run(rt)) > 0)
        durable_wait(rt, 100);
    if (rc < 0)
        die("run", rc);
    for (int i = 0; i < n; i++) {
        int v = 0;
        snprintf(id, sizeof id, "w%d", i);
        if ((rc = durable_result(rt, id, &v)) != DURABLE_OK)
            die("result", rc);
        if (v != (kind ? steps : i + 2)) {
            fprintf(stderr, "bench_steps: %s returned %d\n", id, v);
            exit(1);
        }
    }
    double t = now_s() - t0;
    durable_stats st;
    if (durable_get_stats(rt, &st) == DURABLE_OK)
        last_commits = st.commits;
    durable_close(rt);
    return t;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    int quick = argc > 2 && strcmp(argv[2], "--quick") == 0;
    unsetenv("DURABLE_STEP_THREADS"); /* the bench sets step_threads itself */
    int nio = quick ? 20 : 200;
    printf("%-44s %8s %10s %9s %8s\n", "what", "seconds", "steps/s", "vs 1", "commits");
    static const int threads[] = {1, 8, 32, 64};
    double base = 0;
    for (int k = 0; k < 4; k++) {
        double t = run(dir, threads[k], 0, nio, 2);
        if (k == 0)
            base = t;
        char what[64];
        snprintf(what, sizeof what, "io: %d x two 20 ms steps, %d thread%s", nio, threads[k], threads[k] > 1 ? "s" : "");
        printf("%-44s %8.2f %10.0f %8.1fx %8llu\n", what, t, 2.0 * nio / t, base / t, last_commits);
    }
    struct {
        const char *name;
        int n, steps;
    } shapes[] = {{"W1: 1 x 1,000 trivial steps", 1, quick ? 100 : 1000},
                  {"W2: 1,000 x 10 trivial steps", quick ? 100 : 1000, 10}};
    for (int s = 0; s < 2; s++) {
        double t1 = run(dir, 1, 1, shapes[s].n, shapes[s].steps);
        unsigned long long c1 = last_commits;
        double t32 = run(dir, 32, 1, shapes[s].n, shapes[s].steps);
        double total = (double)shapes[s].n * shapes[s].steps;
        printf("%-44s %8.2f %10.0f %9s %8llu\n", shapes[s].name, t1, total / t1, "", c1);
        char what[64];
        snprintf(what, sizeof what, "%s, 32 threads", shapes[s].name);
        printf("%-44s %8.2f %10.0f %8.2fx %8llu\n", what, t32, total / t32, t1 / t32, last_commits);
    }
    return 0;
}

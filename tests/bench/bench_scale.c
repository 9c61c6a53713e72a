/*
 * bench_scale — the runtime at scale, measured (no assertions on time):
 *
 *   bench_scale resume [N] [DIR]   N workflows (100,000) suspended on a timer;
 *                                  the process that made them dies of SIGKILL;
 *                                  a new process reopens the file, finishes
 *                                  all of them and reads every result with
 *                                  durable_result: the wall time of that
 *                                  process from durable_open to the last
 *                                  result (target < 1 s), its CPU time, peak
 *                                  memory and awaits/s.
 *   bench_scale prepare N PATH     only make PATH as `resume` does (for profiling)
 *   bench_scale resume-file PATH [N]  only resume an existing PATH (in this
 *                                  process; with N, read the N results too)
 *   bench_scale loop [N] [DIR]     one workflow awaiting N steps (1,000,000)
 *                                  in a loop: the rate of the first and the
 *                                  last 10%, and the frame's size at both ends.
 *
 * Both use synchronous=NORMAL (what a throughput-minded user picks; FULL adds
 * one fsync per commit, see bench_runtime).  The suspended workflows are
 * hand-translated in the shape dcc emits:
 *
 *   durable int nap(int64_t until)
 *   {
 *       await(durable_sleep_until(until));
 *       return 1;
 *   }
 */
#include "counter.h"
#include "testdb.h"

#include <durable.h>
#include <signal.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- nap, hand-translated ---- */

struct nap__args { int64_t until; };
struct nap__frame { char unused; };

static int nap__step(durable_co *co_, void *frame_)
{
    (void)frame_;
    int64_t until;
    switch (durable__state(co_)) {
    case 0: until = ((const struct nap__args *)durable__args(co_))->until; break;
    case 1: goto aw1_;
    default: return durable__bad_state(co_);
    }
    if (0) {
aw1_:   until = 0;
    }
    if (durable__begin(co_, 1)) {
        int64_t a1_ = until;
        return durable__sleep_until(co_, a1_);
    }
    if (durable__take(co_, NULL, 0))
        return DURABLE__STOP;
    { int r_ = 1; return durable__return(co_, &r_, sizeof r_); }
}

static const durable_field nap__params[] = {
    {"until", "int64_t", DURABLE_KIND_INT, offsetof(struct nap__args, until), sizeof(int64_t), 1, 0, 0, 0},
};
static const durable_field nap__int = {"", "int", DURABLE_KIND_INT, 0, sizeof(int), 1, 0, 0, 0};
static const durable_await nap__awaits[] = {{1, DURABLE_AWAIT_RUNTIME, "durable_sleep_until", 3, &nap__int, 0, 0, 0,
                                             "body", "durable_sleep_until(until)"}};
static durable_func nap__fn = {
    "nap", "bench_scale.c", nap__step, sizeof(struct nap__frame), sizeof(struct nap__args),
    NULL, 0, nap__params, 1, &nap__int, nap__awaits, 1, 0, 0,
};
__attribute__((constructor)) static void nap__register(void)
{
    durable__register(&nap__fn);
}

/* ---- measuring ---- */

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

static long peak_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void must(int rc, const char *what)
{
    if (rc < 0) {
        fprintf(stderr, "bench_scale: %s: %s\n", what, durable_strerror(rc));
        exit(1);
    }
}

static durable_rt *open_normal(const char *path, int batch)
{
    durable_options o;
    durable_options_init(&o);
    o.synchronous = DURABLE_SYNC_NORMAL;
    o.claim_batch = batch;
    durable_rt *rt;
    must(durable_open(&rt, path, &o), "durable_open");
    return rt;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void finish_all(int n, const char *path, int batch);

static void prepare(int n, const char *path)
{
    testdb_remove(path);
    int64_t due = 0;
    pid_t pid = fork();
    if (pid == 0) { /* make n suspended workflows, then die without closing */
        durable_rt *rt = open_normal(path, 4096);
        double t0 = wall();
        due = now_ms() + 1000 * 3600; /* far away: they stay suspended */
        must(durable_batch_begin(rt), "durable_batch_begin"); /* the setup is not measured: one commit */
        for (int i = 0; i < n; i++) {
            char id[32];
            struct nap__args a = {due};
            snprintf(id, sizeof id, "nap-%06d", i);
            must(durable_start(rt, id, (durable_call){&nap__fn, &a, sizeof a}), "durable_start");
        }
        must(durable_batch_commit(rt), "durable_batch_commit");
        double t1 = wall();
        must(durable_run(rt), "durable_run");
        printf("setup: %d workflows started in %.2f s, suspended in %.2f s; now kill -9\n", n, t1 - t0,
               wall() - t1);
        fflush(stdout);
        kill(getpid(), SIGKILL);
    }
    int st;
    waitpid(pid, &st, 0);
    if (!WIFSIGNALED(st)) {
        fprintf(stderr, "bench_scale: the setup process was meant to die of SIGKILL\n");
        exit(1);
    }
    /* Make every timer due now (as if the time had come), outside the runtime. */
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db, "UPDATE durable_timers SET due_ms = 0", NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_scale: %s\n", sqlite3_errmsg(db));
        exit(1);
    }
    sqlite3_close(db);
}

static void resume(int n, const char *path, int batch)
{
    prepare(n, path);
    fflush(NULL);
    double w0 = wall();
    pid_t pid = fork(); /* the new process: it has never seen the file */
    if (pid == 0) {
        finish_all(n, path, batch);
        fflush(NULL);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "bench_scale: the resuming process failed\n");
        exit(1);
    }
    printf("        %.2f s wall from its fork to its exit\n", wall() - w0);
    testdb_remove(path);
}

/* Reopen path, run until nothing is left, read the n results: all timed. */
static void finish_all(int n, const char *path, int batch)
{
    double c0 = cpu(), w0 = wall();
    durable_rt *rt = open_normal(path, batch);
    int left;
    while ((left = durable_run(rt)) > 0)
        must(durable_wait(rt, 100), "durable_wait");
    must(left, "durable_run");
    double w1 = wall();
    for (int i = 0; i < n; i++) {
        char id[32];
        int v = 0;
        snprintf(id, sizeof id, "nap-%06d", i);
        must(durable_result(rt, id, &v), "durable_result");
        if (v != 1) {
            fprintf(stderr, "bench_scale: %s returned %d\n", id, v);
            exit(1);
        }
    }
    double c2 = cpu(), w2 = wall();
    durable_stats s;
    durable_get_stats(rt, &s);
    printf("resume: %d workflows reopened by a new process after kill -9, finished, every result read\n"
           "        (claim batch %d): %.2f s wall (%.2f s of process time): run %.2f s wall, results %.2f s wall;\n"
           "        %llu awaits at %.0f awaits/s, %llu commits, peak memory %ld MiB, %d left unfinished\n",
           n, batch, w2 - w0, c2 - c0, w1 - w0, w2 - w1, (unsigned long long)s.awaits,
           (double)s.awaits / (w1 - w0), (unsigned long long)s.commits, peak_kb() / 1024, left);
    durable_close(rt);
}

/* The loop: count_to(n), the clock read every 10% of its steps. */
static double marks[11];
static long mark_every, frame_at[11];
static const char *loop_path;

static long frame_bytes(const char *path)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    long n = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT length(frame) FROM durable_frames WHERE workflow = 'loop'", -1, &q,
                           NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            n = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    return n;
}

static void mark(long bumps)
{
    if (bumps % mark_every)
        return;
    long k = bumps / mark_every;
    if (k < 1 || k > 10)
        return;
    marks[k] = wall();
    if (k == 1 || k == 9)
        frame_at[k] = frame_bytes(loop_path); /* the committed frame, read from the file */
}

static void loop(int n, const char *path)
{
    testdb_remove(path);
    durable_rt *rt = open_normal(path, 256);
    struct count_to__args a = {n};
    must(durable_start(rt, "loop", count_to_call(&a)), "durable_start");
    mark_every = n / 10;
    loop_path = path;
    counter_hook = mark;
    marks[0] = wall();
    must(durable_run(rt), "durable_run");
    counter_hook = NULL;
    int v = 0;
    must(durable_result(rt, "loop", &v), "durable_result");
    double first = mark_every / (marks[1] - marks[0]), last = mark_every / (marks[10] - marks[9]);
    printf("loop: %d awaits of one workflow in %.1f s, result %d\n", n, marks[10] - marks[0], v);
    printf("      first 10%%: %.0f awaits/s, last 10%%: %.0f awaits/s (last/first %.3f)\n", first, last,
           last / first);
    printf("      frame: %ld bytes at 10%%, %ld bytes at 90%%\n", frame_at[1], frame_at[9]);
    durable_close(rt);
    testdb_remove(path);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "resume";
    int n = argc > 2 ? atoi(argv[2]) : 0;
    const char *dir = argc > 3 ? argv[3] : ".";
    char path[512];
    snprintf(path, sizeof path, "%s/bench-scale-%d.db", dir, (int)getpid());
    if (strcmp(mode, "resume") == 0) {
        resume(n > 0 ? n : 100000, path, 4096);
    } else if (strcmp(mode, "prepare") == 0 && argc == 4) {
        prepare(n, argv[3]);
    } else if (strcmp(mode, "resume-file") == 0 && (argc == 3 || argc == 4)) {
        finish_all(argc == 4 ? atoi(argv[3]) : 0, argv[2], 4096);
    } else if (strcmp(mode, "loop") == 0) {
        loop(n > 0 ? n : 1000000, path);
    } else {
        fprintf(stderr, "usage: bench_scale resume|loop [N] [DIR] | prepare N PATH | resume-file PATH [N]\n");
        return 2;
    }
    return 0;
}

/*
 * bench_live — how fast a running worker obeys another process, and what an
 * idle worker costs.
 *
 *   bench_live [ROUNDS] [DIR]
 *
 * A worker process runs the README loop (durable_run / durable_wait(1000)).
 * For each round the driver starts a workflow that waits for a signal, waits
 * until it is suspended, then sends the signal from its own connection (as
 * `durable signal` does) and times how long until the step after the wait
 * has run in the worker: that step writes its clock to a pipe the driver
 * reads.  Then the worker is left waiting on a signal for two seconds and its
 * CPU time over them is read from /proc.  Figures are printed, nothing is
 * asserted (the machine is shared).
 */
#include <durable.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int report_fd = -1;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The step after the wait: tell the driver when it ran. */
static int arrived(int n)
{
    int64_t t = now_us();
    if (write(report_fd, &t, sizeof t) != (ssize_t)sizeof t)
        return -1;
    return n;
}

durable int gate(int n)
{
    await(durable_wait_signal("go", -1));
    return await(arrived(n));
}

static void fail(const char *what, int rc)
{
    fprintf(stderr, "bench_live: %s: %s\n", what, durable_strerror(rc));
    exit(1);
}

static void worker(const char *db)
{
    durable_rt *rt;
    int rc = durable_open(&rt, db, NULL);
    if (rc != DURABLE_OK)
        fail("worker open", rc);
    for (;;) { /* the README loop, kept alive by the driver's workflows */
        rc = durable_run(rt);
        if (rc < 0)
            fail("durable_run", rc);
        durable_wait(rt, 1000);
    }
}

static double cpu_seconds(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Wait until workflow id is suspended (waiting). */
static void until_waiting(durable_rt *rt, const char *id)
{
    for (;;) {
        int st = 0;
        int rc = durable_status(rt, id, &st);
        if (rc != DURABLE_OK)
            fail("durable_status", rc);
        if (st == DURABLE_WAITING)
            return;
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 50;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    char db[512];
    snprintf(db, sizeof db, "%s/bench_live-%d.db", dir, (int)getpid());
    int fds[2];
    if (rounds < 1 || pipe(fds) != 0)
        return 2;
    durable_rt *rt;
    int rc = durable_open(&rt, db, NULL); /* create the file before the worker opens it */
    if (rc != DURABLE_OK)
        fail("open", rc);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        report_fd = fds[1];
        durable_close(rt);
        worker(db);
    }
    close(fds[1]);
    int64_t *lat = calloc((size_t)rounds, sizeof *lat);
    char id[32];
    for (int i = 0; i < rounds && lat; i++) {
        snprintf(id, sizeof id, "g%d", i);
        if ((rc = durable_start(rt, id, gate(i))) != DURABLE_OK)
            fail("start", rc);
        until_waiting(rt, id);
        int64_t t0 = now_us(), t1 = 0;
        if ((rc = durable_signal(rt, id, "go", "", 0)) != DURABLE_OK)
            fail("signal", rc);
        if (read(fds[0], &t1, sizeof t1) != (ssize_t)sizeof t1)
            fail("read", DURABLE_EIO);
        lat[i] = t1 - t0;
    }
    /* idle: the worker waits on a signal nobody sends */
    if ((rc = durable_start(rt, "idle", gate(-1))) != DURABLE_OK)
        fail("start", rc);
    until_waiting(rt, "idle");
    double c0 = cpu_seconds(pid);
    sleep(2);
    double c1 = cpu_seconds(pid);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    durable_close(rt);
    qsort(lat, (size_t)rounds, sizeof *lat, cmp_i64);
    printf("signal from another process to the step after the wait, %d rounds:\n", rounds);
    printf("  median %.1f ms, p90 %.1f ms, max %.1f ms\n", lat[rounds / 2] / 1000.0,
           lat[(rounds * 9) / 10] / 1000.0, lat[rounds - 1] / 1000.0);
    printf("idle worker waiting on a signal: %.2f%% of one core over 2 s (%.3f s CPU)\n",
           (c1 - c0) / 2.0 * 100.0, c1 - c0);
    free(lat);
    static const char *const sfx[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char p[600];
        snprintf(p, sizeof p, "%s%s", db, sfx[i]);
        unlink(p);
    }
    return 0;
}

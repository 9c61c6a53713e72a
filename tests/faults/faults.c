/*
 * faults.c — libdurable under I/O faults: every write, fsync and read the
 * runtime makes is failed in turn (faultvfs.c, installed as SQLite's default
 * VFS, so the runtime runs unchanged), the disk fills up at every point, and
 * another process holds the database locked.  After each fault the tests
 * check what the runtime promises:
 *
 *   - the call fails with a negative code (DURABLE_EIO, DURABLE_EBUSY) and
 *     does not crash, abort or leak (the sanitizer build runs these too);
 *   - nothing that committed before the fault is lost: statuses and results
 *     read back as they were;
 *   - once the fault is gone, durable_run on the same rt, or on a reopened
 *     one, finishes every workflow with the results of an uninterrupted run,
 *     and no step whose checkpoint committed runs again: the steps run during
 *     recovery are exactly those the file has no checkpoint for;
 *   - durable_open of an existing file that fails leaves it byte for byte.
 *
 * The workload is count_to (tests/harness/counter.c): a finished workflow and
 * three more started and ready (16 steps) when the fault is armed.
 * One ctest entry per case: `faults CASE`.  `faults __helper PATH MODE` is
 * the helper process some cases start: a lock holder, or a worker killed
 * mid-run.
 */
#include "check.h"
#include "counter.h"
#include "faultvfs.h"

#include <durable.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- the workload ---- */

static const struct {
    const char *id;
    int n;
} plan[] = {{"w1", 4}, {"w2", 7}, {"w3", 5}};
#define NPLAN (int)(sizeof plan / sizeof *plan)
#define EARLY_N 2 /* "early" finishes before any fault: 2 steps, result 3 */

static int plan_steps(void)
{
    int t = 0;
    for (int i = 0; i < NPLAN; i++)
        t += plan[i].n;
    return t;
}

/* count_to(n) returns 1 + 2 + ... + n */
static int sum_to(int n)
{
    return n * (n + 1) / 2;
}

static char dir[128], db[256];

/* The clock every rt of these tests runs on: real time plus an offset the
 * timer cases move forward, so a retry backoff falls due at once. */
static int64_t clock_offset_ms;

static int64_t test_clock(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + clock_offset_ms;
}

/* While set, the first attempt of every step fails (durable_fail): the
 * workflow then waits on a durable retry timer. */
static int fail_first_attempts;
/* While set, the next step first runs another worker process to its end. */
static int worker_in_next_step;
static void run_other_worker(void);

static void step_hook(long bumps)
{
    (void)bumps;
    if (fail_first_attempts && durable_step_attempt() == 1)
        durable_fail(DURABLE_ESTEP, "faults: a first attempt fails");
    if (worker_in_next_step) {
        worker_in_next_step = 0;
        run_other_worker();
    }
}

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/faults.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(db, sizeof db, "%s/app.db", dir);
}

static void remove_files(void)
{
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    char p[300];
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", db, sfx[i]);
        unlink(p);
    }
}

static void teardown(void)
{
    remove_files();
    rmdir(dir);
}

static unsigned char *slurp(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    CHECK(fseek(f, 0, SEEK_END) == 0);
    *len = ftell(f);
    rewind(f);
    unsigned char *b = malloc((size_t)*len + 1);
    CHECK(b != NULL);
    CHECK(fread(b, 1, (size_t)*len, f) == (size_t)*len);
    fclose(f);
    return b;
}

static void spit(const char *path, const unsigned char *p, long n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    CHECK(fwrite(p, 1, (size_t)n, f) == (size_t)n);
    CHECK(fclose(f) == 0);
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static durable_rt *open_rt(int busy_timeout_ms)
{
    durable_options o;
    durable_options_init(&o);
    o.busy_timeout_ms = busy_timeout_ms;
    o.clock = test_clock;
    durable_rt *rt = NULL;
    CHECK_OK(durable_open(&rt, db, &o));
    return rt;
}

static void start(durable_rt *rt, const char *id, int n)
{
    struct count_to__args a = {n};
    CHECK_OK(durable_start(rt, id, count_to_call(&a)));
}

/* The state every fault is injected into: "early" done, the plan started. */
static durable_rt *prepare(int busy_timeout_ms)
{
    durable_rt *rt = open_rt(busy_timeout_ms);
    start(rt, "early", EARLY_N);
    CHECK_RC(durable_run(rt), 0);
    for (int i = 0; i < NPLAN; i++)
        start(rt, plan[i].id, plan[i].n);
    return rt;
}

/* Steps whose checkpoint is committed in the file, read with a connection
 * of its own on the real VFS (so it neither counts nor meets faults). */
static int committed_steps(void)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    CHECK_INT(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, "unix"), SQLITE_OK);
    CHECK_INT(sqlite3_prepare_v2(h, "SELECT count(*) FROM durable_history WHERE event = 'step'", -1, &st, NULL),
              SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

static void expect_done(durable_rt *rt, const char *id, int n)
{
    int st = 0, r = 0;
    CHECK_OK(durable_status(rt, id, &st));
    CHECK_STR(durable_status_name(st), "done");
    CHECK_OK(durable_result(rt, id, &r));
    CHECK_INT(r, sum_to(n));
}

/* After a fault: what committed is still there; the rest is pending. */
static void expect_intact(durable_rt *rt)
{
    expect_done(rt, "early", EARLY_N);
    for (int i = 0; i < NPLAN; i++) {
        int st = 0;
        CHECK_OK(durable_status(rt, plan[i].id, &st));
        if (st == DURABLE_DONE)
            expect_done(rt, plan[i].id, plan[i].n);
        else if (st != DURABLE_WAITING) /* waiting: on a retry timer that did not fire */
            CHECK_STR(durable_status_name(st), "ready");
    }
}

static void expect_finished(durable_rt *rt)
{
    expect_done(rt, "early", EARLY_N);
    for (int i = 0; i < NPLAN; i++)
        expect_done(rt, plan[i].id, plan[i].n);
}

/* The next injection point of a sweep: every operation, or for a full disk
 * every 1500 bytes (WAL frames are a 24-byte header and a 4096-byte page,
 * so this lands on both). */
static long next_point(enum faultvfs_kind kind, long n)
{
    return kind == FAULT_FULL ? n + 1500 : n + 1;
}

static long first_point(enum faultvfs_kind kind)
{
    return kind == FAULT_FULL ? 0 : 1;
}

#define SWEEP_LIMIT 100000

/* ---- helper processes ---- */

/* Run a helper to its end as a fresh process (exec, so it shares no SQLite
 * state with us); *status as waitpid gives it. */
static void spawn_helper(const char *mode, int *status)
{
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        execl("/proc/self/exe", "faults", "__helper", db, mode, (char *)NULL);
        _exit(127);
    }
    CHECK(waitpid(pid, status, 0) == pid); /* reaped: a zombie would still look alive */
}

/* The helper that is another worker: run whatever it can claim, then leave. */
static int other_worker(const char *path)
{
    snprintf(db, sizeof db, "%s", path);
    durable_rt *rt = NULL;
    if (durable_open(&rt, db, NULL) != DURABLE_OK)
        return 2;
    int rc = durable_run(rt);
    durable_close(rt);
    return rc < 0 ? 2 : 0;
}

static void run_other_worker(void)
{
    int status = 0;
    spawn_helper("worker", &status);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* The helper that leaves a dead worker: run the plan, killed by the
 * runtime's crash knob just after its second checkpoint commit. */
static int crash_worker(const char *path)
{
    setenv("DURABLE_CRASH", "after:2", 1);
    snprintf(db, sizeof db, "%s", path);
    durable_rt *rt = open_rt(5000);
    durable_run(rt);
    return 3; /* not reached: the knob kills the process */
}

/* The helper that holds a lock: open `path`, take the lock (`immediate`: a write
 * transaction, as another worker or an operator's tool would; `exclusive`:
 * exclusive locking mode, which shuts out readers too), say 'L' on stdout,
 * hold it until stdin closes. */
static int hold_lock(const char *path, const char *mode)
{
    sqlite3 *h = NULL;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        return 2;
    const char *sql = strcmp(mode, "exclusive") == 0
                          ? "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; SELECT count(*) FROM sqlite_master"
                          : "BEGIN IMMEDIATE";
    if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "holder: %s: %s\n", sql, sqlite3_errmsg(h));
        sqlite3_close(h);
        return 2;
    }
    if (write(1, "L", 1) != 1)
        return 2;
    char c;
    while (read(0, &c, 1) > 0)
        ;
    sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(h);
    return 0;
}

struct holder {
    pid_t pid;
    int release_fd;
};

/* Start the lock holder and wait until it holds the lock. */
static struct holder hold(const char *mode)
{
    int up[2], down[2];
    CHECK(pipe(up) == 0 && pipe(down) == 0);
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(down[0], 0);
        dup2(up[1], 1);
        close(up[0]);
        close(up[1]);
        close(down[0]);
        close(down[1]);
        execl("/proc/self/exe", "faults", "__helper", db, mode, (char *)NULL);
        _exit(127);
    }
    close(up[1]);
    close(down[0]);
    char c = 0;
    CHECK(read(up[0], &c, 1) == 1 && c == 'L');
    close(up[0]);
    struct holder hd = {pid, down[1]};
    return hd;
}

static void release(struct holder hd)
{
    close(hd.release_fd);
    int status = 0;
    CHECK(waitpid(hd.pid, &status, 0) == hd.pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A worker process that claimed the plan and was killed (SIGKILL, by the
 * runtime's DURABLE_CRASH knob) after its second checkpoint commit: its
 * claims stay in the file until a live worker finds it dead (reap). */
static void leave_dead_worker(void)
{
    int status = 0;
    spawn_helper("crash", &status);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* ---- durable_run under faults ---- */

/* What the file holds when the fault is armed, besides the plan started. */
enum scene {
    PLAIN,  /* nothing else */
    COLD,   /* the same, on a freshly opened rt: pages are read from the file */
    DEAD,   /* a killed worker left steps committed and workflows claimed */
    TIMERS  /* each workflow waits on a retry timer that is due */
};

/* Fail a durable_run at each point in turn, then recover on the same rt or
 * on a reopened one (`reopen`). */
static void sweep(enum faultvfs_kind kind, int persistent, enum scene scene, int reopen)
{
    int cold = scene != PLAIN, dead = scene == DEAD;
    int hits = 0;
    long n;
    for (n = first_point(kind); n < SWEEP_LIMIT; n = next_point(kind, n)) {
        setup();
        durable_rt *rt = prepare(5000);
        clock_offset_ms = 0;
        if (scene == TIMERS) {
            fail_first_attempts = 1;
            CHECK_RC(durable_run(rt), NPLAN);
            fail_first_attempts = 0;
            clock_offset_ms = 3600 * 1000; /* an hour later: every backoff is due */
        }
        if (cold) {
            CHECK_OK(durable_close(rt));
            if (dead)
                leave_dead_worker();
            rt = open_rt(5000);
        }
        int before = committed_steps(); /* EARLY_N, and what a dead worker committed */
        CHECK(dead ? before > EARLY_N : before == EARLY_N);
        int todo = plan_steps() - (before - EARLY_N);
        counter_bumps = 0;
        faultvfs_arm(kind, n, persistent);
        int rc = durable_run(rt);
        long fired = faultvfs_clear();
        if (!fired) { /* past the last operation: the run was not disturbed */
            CHECK_RC(rc, 0);
            CHECK_INT(counter_bumps, todo);
            expect_finished(rt);
            CHECK_OK(durable_close(rt));
            teardown();
            break;
        }
        hits++;
        if (rc >= 0) {
            fprintf(stderr, "%s fault at %ld failed %ld operation(s), but durable_run returned %d\n",
                    faultvfs_name(kind), n, fired, rc);
            exit(1);
        }
        CHECK_RC(rc, DURABLE_EIO);
        int committed = committed_steps();
        CHECK(committed >= before);
        long ran = counter_bumps;
        CHECK(ran >= committed - before); /* every committed step ran in this run */
        expect_intact(rt);
        if (reopen) {
            CHECK_OK(durable_close(rt));
            rt = open_rt(5000);
        }
        counter_bumps = 0;
        CHECK_RC(durable_run(rt), 0);
        /* exactly the steps without a committed checkpoint ran again */
        if (counter_bumps != todo - (committed - before)) {
            fprintf(stderr, "%s fault at %ld: %d steps were committed, %ld ran before the fault, %ld in recovery;"
                            " expected %d in recovery\n",
                    faultvfs_name(kind), n, committed - before, ran, counter_bumps, todo - (committed - before));
            exit(1);
        }
        expect_finished(rt);
        CHECK_OK(durable_close(rt));
        teardown();
    }
    CHECK(n < SWEEP_LIMIT);
    CHECK(hits > 0); /* the sweep reached the runtime's I/O at all */
    static const char *const what[] = {"", "", " after a dead worker", " with due timers"};
    printf("%s fault (%s) at %d points of durable_run%s: each returned EIO; recovered on %s rt;"
           " no committed step re-ran\n",
           faultvfs_name(kind), persistent ? "persistent" : "once", hits, what[scene], reopen ? "a reopened" : "the same");
}

static void write_same(void) { sweep(FAULT_WRITE, 1, PLAIN, 0); }
static void write_reopen(void) { sweep(FAULT_WRITE, 1, PLAIN, 1); }
static void write_once(void) { sweep(FAULT_WRITE, 0, PLAIN, 0); }
static void fsync_same(void) { sweep(FAULT_SYNC, 1, PLAIN, 0); }
static void fsync_reopen(void) { sweep(FAULT_SYNC, 1, PLAIN, 1); }
static void full_same(void) { sweep(FAULT_FULL, 1, PLAIN, 0); }
static void full_reopen(void) { sweep(FAULT_FULL, 1, PLAIN, 1); }
static void read_same(void) { sweep(FAULT_READ, 1, COLD, 0); }
static void read_reopen(void) { sweep(FAULT_READ, 1, COLD, 1); }
static void read_dead_worker(void) { sweep(FAULT_READ, 1, DEAD, 0); }
static void write_dead_worker(void) { sweep(FAULT_WRITE, 1, DEAD, 1); }
static void read_timers(void) { sweep(FAULT_READ, 1, TIMERS, 1); }
static void write_timers(void) { sweep(FAULT_WRITE, 1, TIMERS, 0); }

/* durable_purge under a fault: it fails, deletes nothing, and works once the
 * fault is gone. */
static void sweep_purge(enum faultvfs_kind kind)
{
    int hits = 0;
    long n;
    for (n = first_point(kind); n < SWEEP_LIMIT; n = next_point(kind, n)) {
        setup();
        durable_rt *rt = prepare(5000);
        CHECK_RC(durable_run(rt), 0);
        CHECK_OK(durable_close(rt));
        rt = open_rt(5000); /* cold: the purge reads what it deletes */
        faultvfs_arm(kind, n, 1);
        int rc = durable_purge(rt, INT64_MAX);
        long fired = faultvfs_clear();
        if (fired) {
            hits++;
            CHECK_RC(rc, DURABLE_EIO);
            expect_finished(rt);
            rc = durable_purge(rt, INT64_MAX);
        }
        CHECK_RC(rc, 1 + NPLAN);
        int st = 0;
        CHECK_RC(durable_status(rt, "early", &st), DURABLE_ENOENT);
        CHECK_OK(durable_close(rt));
        teardown();
        if (!fired)
            break;
    }
    CHECK(n < SWEEP_LIMIT && hits > 0);
    printf("%s fault at %d points of durable_purge: each returned EIO and deleted nothing\n", faultvfs_name(kind), hits);
}

/* durable_cancel of a workflow waiting on a retry timer, under a fault: it
 * fails and changes nothing, or cancels; once the fault is gone the cancel
 * works and the other workflows finish as usual. */
static void sweep_cancel(enum faultvfs_kind kind)
{
    int hits = 0;
    long n;
    for (n = first_point(kind); n < SWEEP_LIMIT; n = next_point(kind, n)) {
        setup();
        durable_rt *rt = prepare(5000);
        fail_first_attempts = 1;
        CHECK_RC(durable_run(rt), NPLAN); /* each waits on a retry timer */
        fail_first_attempts = 0;
        CHECK_OK(durable_close(rt));
        rt = open_rt(5000); /* cold: the cancel reads what it changes */
        faultvfs_arm(kind, n, 1);
        int rc = durable_cancel(rt, plan[0].id);
        long fired = faultvfs_clear();
        int st = 0;
        if (fired) {
            hits++;
            CHECK_RC(rc, DURABLE_EIO);
            CHECK_OK(durable_status(rt, plan[0].id, &st));
            CHECK_STR(durable_status_name(st), "waiting");
            rc = durable_cancel(rt, plan[0].id);
        }
        CHECK_OK(rc);
        clock_offset_ms = 3600 * 1000;
        CHECK_RC(durable_run(rt), 0);
        clock_offset_ms = 0;
        CHECK_OK(durable_status(rt, plan[0].id, &st));
        CHECK_STR(durable_status_name(st), "cancelled");
        for (int i = 1; i < NPLAN; i++)
            expect_done(rt, plan[i].id, plan[i].n);
        CHECK_OK(durable_close(rt));
        teardown();
        if (!fired)
            break;
    }
    CHECK(n < SWEEP_LIMIT && hits > 0);
    printf("%s fault at %d points of durable_cancel: each returned EIO and changed nothing\n", faultvfs_name(kind), hits);
}

static void cancel_read(void) { sweep_cancel(FAULT_READ); }
static void cancel_write(void) { sweep_cancel(FAULT_WRITE); }

static void purge_read(void) { sweep_purge(FAULT_READ); }
static void purge_write(void) { sweep_purge(FAULT_WRITE); }

/* durable_start under a fault: it fails and leaves no workflow behind, or
 * succeeds and the workflow exists; a retry once the fault is gone works. */
static void sweep_start(enum faultvfs_kind kind)
{
    int hits = 0;
    long n;
    for (n = first_point(kind); n < SWEEP_LIMIT; n = next_point(kind, n)) {
        setup();
        durable_rt *rt = open_rt(5000);
        start(rt, "early", EARLY_N);
        CHECK_RC(durable_run(rt), 0);
        struct count_to__args a = {3};
        faultvfs_arm(kind, n, 1);
        int rc = durable_start(rt, "late", count_to_call(&a));
        long fired = faultvfs_clear();
        int st = 0;
        if (!fired) {
            CHECK_OK(rc);
        } else {
            hits++;
            CHECK_RC(rc, DURABLE_EIO);
            CHECK_RC(durable_status(rt, "late", &st), DURABLE_ENOENT);
            expect_done(rt, "early", EARLY_N);
            CHECK_OK(durable_start(rt, "late", count_to_call(&a)));
        }
        counter_bumps = 0;
        CHECK_RC(durable_run(rt), 0);
        CHECK_INT(counter_bumps, 3);
        expect_done(rt, "late", 3);
        CHECK_OK(durable_close(rt));
        teardown();
        if (!fired)
            break;
    }
    CHECK(n < SWEEP_LIMIT && hits > 0);
    printf("%s fault at %d points of durable_start: each returned EIO and left no workflow\n", faultvfs_name(kind), hits);
}

/* Rows of durable_workflows and schemas of count_to in the file, read with a
 * connection of its own on the real VFS. */
static int count_rows(const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    CHECK_INT(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, "unix"), SQLITE_OK);
    CHECK_INT(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

/* A host batch under a fault at every point from its first start to its
 * commit: the batch either commits whole or is lost whole, the error comes
 * back from durable_batch_commit, and memory keeps nothing of it (the same
 * batch made again on the same rt writes its function's schema again, which
 * the lost batch had written first). */
static void sweep_batch(enum faultvfs_kind kind)
{
    enum { NB = 30 };
    int hits = 0;
    long n;
    for (n = first_point(kind); n < SWEEP_LIMIT; n = next_point(kind, n)) {
        setup();
        durable_rt *rt = open_rt(5000);
        char id[16];
        CHECK_OK(durable_batch_begin(rt));
        faultvfs_arm(kind, n, 1);
        for (int i = 0; i < NB; i++) {
            struct count_to__args a = {2};
            snprintf(id, sizeof id, "b%02d", i);
            durable_start(rt, id, count_to_call(&a)); /* a lost batch: the commit says so */
        }
        int rc = durable_batch_commit(rt);
        long fired = faultvfs_clear();
        if (!fired) {
            CHECK_OK(rc);
        } else {
            hits++;
            CHECK(rc == DURABLE_EIO || rc == DURABLE_ENOMEM);
            CHECK_INT(count_rows("SELECT count(*) FROM durable_workflows"), 0);
            int st = 0;
            CHECK_RC(durable_status(rt, "b00", &st), DURABLE_ENOENT);
            CHECK_OK(durable_batch_begin(rt));
            for (int i = 0; i < NB; i++)
                start(rt, (snprintf(id, sizeof id, "b%02d", i), id), 2);
            CHECK_OK(durable_batch_commit(rt));
        }
        CHECK_INT(count_rows("SELECT count(*) FROM durable_workflows"), NB);
        CHECK_INT(count_rows("SELECT count(*) FROM durable_schemas WHERE function = 'count_to'"), 1);
        counter_bumps = 0;
        CHECK_RC(durable_run(rt), 0);
        CHECK_INT(counter_bumps, 2 * NB);
        for (int i = 0; i < NB; i++) {
            snprintf(id, sizeof id, "b%02d", i);
            expect_done(rt, id, 2);
        }
        CHECK_OK(durable_close(rt));
        teardown();
        if (!fired)
            break;
    }
    CHECK(n < SWEEP_LIMIT && hits > 0);
    printf("%s fault at %d points of a batch of %d starts: each lost the whole batch, which then committed\n",
           faultvfs_name(kind), hits, NB);
}

static void batch_write(void) { sweep_batch(FAULT_WRITE); }
static void batch_fsync(void) { sweep_batch(FAULT_SYNC); }

static void start_write(void) { sweep_start(FAULT_WRITE); }
static void start_fsync(void) { sweep_start(FAULT_SYNC); }

/* durable_close under a fault (its lease release and SQLite's checkpoint of
 * the WAL into the file): it returns, frees everything, and every result
 * committed before it is there when the file is opened again. */
static void sweep_close(enum faultvfs_kind kind)
{
    int hits = 0;
    long n;
    for (n = first_point(kind); n < SWEEP_LIMIT; n = next_point(kind, n)) {
        setup();
        durable_rt *rt = prepare(5000);
        CHECK_RC(durable_run(rt), 0);
        faultvfs_arm(kind, n, 1);
        CHECK_OK(durable_close(rt));
        long fired = faultvfs_clear();
        hits += fired > 0;
        rt = open_rt(5000);
        counter_bumps = 0;
        CHECK_RC(durable_run(rt), 0);
        CHECK_INT(counter_bumps, 0);
        expect_finished(rt);
        CHECK_OK(durable_close(rt));
        teardown();
        if (!fired)
            break;
    }
    CHECK(n < SWEEP_LIMIT && hits > 0);
    printf("%s fault at %d points of durable_close: nothing committed was lost\n", faultvfs_name(kind), hits);
}

static void close_write(void) { sweep_close(FAULT_WRITE); }
static void close_fsync(void) { sweep_close(FAULT_SYNC); }

/* The lease survives a failed round.  A new rt's first round (its first
 * lease renewal) fails on a write; on recovery it claims the plan and, in
 * the middle of its first step, another worker process runs.  That worker
 * must see the plan claimed under a live lease and leave it alone: every
 * step runs once in all (no worker died).  Counted across both processes by
 * the steps' effect log (DURABLE_TEST_EFFECTS, one line per execution). */
static void lease_after_failed_round(void)
{
    setup();
    char effects[300];
    snprintf(effects, sizeof effects, "%s/effects", dir);
    durable_rt *rt = prepare(5000);
    CHECK_OK(durable_close(rt));
    rt = open_rt(5000); /* a new worker: it has not renewed its lease yet */
    faultvfs_arm(FAULT_WRITE, 1, 1);
    CHECK_RC(durable_run(rt), DURABLE_EIO);
    CHECK(faultvfs_clear() > 0);
    setenv("DURABLE_TEST_EFFECTS", effects, 1);
    worker_in_next_step = 1;
    int rc = durable_run(rt);
    unsetenv("DURABLE_TEST_EFFECTS");
    CHECK(!worker_in_next_step);
    long size;
    unsigned char *log = slurp(effects, &size);
    int lines = 0;
    for (long i = 0; i < size; i++)
        lines += log[i] == '\n';
    free(log);
    if (rc != 0 || lines != plan_steps()) {
        fprintf(stderr, "after a failed first round: durable_run returned %d (%s); %d step executions for %d steps"
                        " (another worker took over workflows this one had claimed)\n",
                rc, rc < 0 ? durable_errname(rc) : "unfinished", lines, plan_steps());
        exit(1);
    }
    expect_finished(rt);
    CHECK_OK(durable_close(rt));
    unlink(effects);
    teardown();
    printf("a failed round did not lose the lease: the other worker took nothing; each step ran once\n");
}

/* ---- durable_open under faults ---- */

/* Open an existing file (closed cleanly: no -wal beside it) with a fault at
 * each point.  A refusal returns an error, sets no rt and leaves the file
 * byte for byte; an open that succeeds has a working rt. */
static void sweep_open(enum faultvfs_kind kind)
{
    setup();
    durable_rt *rt = prepare(5000);
    CHECK_OK(durable_close(rt));
    long size;
    unsigned char *image = slurp(db, &size);
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", db);
    CHECK(!exists(wal));
    int refused = 0, absorbed = 0, misreported = 0;
    long n;
    for (n = first_point(kind); n < SWEEP_LIMIT; n = next_point(kind, n)) {
        remove_files();
        spit(db, image, size);
        faultvfs_arm(kind, n, 1);
        rt = (durable_rt *)&rt; /* must be set to NULL on failure */
        int rc = durable_open(&rt, db, NULL);
        long fired = faultvfs_clear();
        if (rc != DURABLE_OK) {
            CHECK(fired > 0);
            CHECK(rt == NULL);
            if (rc != DURABLE_EIO) { /* checked at the end: the other checks go on */
                fprintf(stderr, "%s fault at %ld of durable_open: returned %s (%s), expected EIO: an I/O error"
                                " reported as something else\n",
                        faultvfs_name(kind), n, durable_errname(rc), durable_strerror(rc));
                misreported++;
            }
            long now_size;
            unsigned char *now = slurp(db, &now_size);
            CHECK_INT(now_size, size);
            CHECK(memcmp(now, image, (size_t)size) == 0);
            free(now);
            refused++;
            rt = open_rt(5000); /* and the file still opens and runs */
        } else {
            absorbed += fired > 0;
        }
        counter_bumps = 0;
        CHECK_RC(durable_run(rt), 0);
        CHECK_INT(counter_bumps, plan_steps());
        expect_finished(rt);
        CHECK_OK(durable_close(rt));
        if (!fired)
            break;
    }
    CHECK(n < SWEEP_LIMIT);
    free(image);
    teardown();
    CHECK_INT(misreported, 0);
    if (refused + absorbed == 0)
        printf("durable_open of an existing file does no %s at all\n", faultvfs_name(kind));
    else
        printf("%s fault at %d points of durable_open of an existing file: %d refused with EIO, file unchanged;"
               " %d absorbed by SQLite, the rt worked\n",
               faultvfs_name(kind), refused + absorbed, refused, absorbed);
}

static void open_read(void) { sweep_open(FAULT_READ); }
static void open_write(void) { sweep_open(FAULT_WRITE); }
static void open_fsync(void) { sweep_open(FAULT_SYNC); }

/* Create a new file with a fault at each point: the open fails cleanly or
 * works, and a file whose creation failed opens and works afterwards. */
static void sweep_create(enum faultvfs_kind kind)
{
    int refused = 0;
    long n;
    for (n = first_point(kind); n < SWEEP_LIMIT; n = next_point(kind, n)) {
        setup();
        faultvfs_arm(kind, n, 1);
        durable_rt *rt = (durable_rt *)&rt;
        int rc = durable_open(&rt, db, NULL);
        long fired = faultvfs_clear();
        if (rc != DURABLE_OK) {
            CHECK(fired > 0);
            CHECK(rt == NULL);
            CHECK_RC(rc, DURABLE_EIO);
            refused++;
            rt = open_rt(5000);
        }
        start(rt, "early", EARLY_N);
        counter_bumps = 0;
        CHECK_RC(durable_run(rt), 0);
        CHECK_INT(counter_bumps, EARLY_N);
        expect_done(rt, "early", EARLY_N);
        CHECK_OK(durable_close(rt));
        teardown();
        if (!fired)
            break;
    }
    CHECK(n < SWEEP_LIMIT && refused > 0);
    printf("%s fault at %d points of creating a file: each refused with EIO; the file then opened and ran\n",
           faultvfs_name(kind), refused);
}

static void create_write(void) { sweep_create(FAULT_WRITE); }
static void create_fsync(void) { sweep_create(FAULT_SYNC); }

/* ---- another process holding the database locked ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#define BUSY_MS 200

/* A write lock held longer than busy_timeout_ms: durable_run and
 * durable_start wait that long, fail with EBUSY and change nothing; reads
 * go on; once the lock is released everything works. */
static void busy_run(void)
{
    setup();
    durable_rt *rt = prepare(BUSY_MS);
    struct holder hd = hold("immediate");
    counter_bumps = 0;
    double t0 = now_s();
    CHECK_RC(durable_run(rt), DURABLE_EBUSY);
    double waited = now_s() - t0;
    CHECK(waited >= BUSY_MS / 1000.0 * 0.9); /* it waited for the lock as told */
    CHECK_INT(counter_bumps, 0);             /* nothing could be claimed, nothing ran */
    struct count_to__args a = {3};
    CHECK_RC(durable_start(rt, "late", count_to_call(&a)), DURABLE_EBUSY);
    int st = 0;
    CHECK_RC(durable_status(rt, "late", &st), DURABLE_ENOENT);
    expect_intact(rt); /* readers are not blocked in WAL mode */
    CHECK_INT(committed_steps(), EARLY_N);
    /* closing while locked (its lease release cannot commit) and reopening */
    CHECK_OK(durable_close(rt));
    rt = open_rt(BUSY_MS);
    CHECK_RC(durable_run(rt), DURABLE_EBUSY);
    CHECK_INT(counter_bumps, 0);
    release(hd);
    CHECK_RC(durable_run(rt), 0);
    CHECK_INT(counter_bumps, plan_steps());
    expect_finished(rt);
    CHECK_OK(durable_start(rt, "late", count_to_call(&a)));
    CHECK_RC(durable_run(rt), 0);
    expect_done(rt, "late", 3);
    CHECK_OK(durable_close(rt));
    teardown();
    printf("locked by another process: durable_run and durable_start waited %.0f ms, returned EBUSY; worked once released\n",
           waited * 1000);
}

/* A database locked exclusively (no readers either): durable_open returns
 * EBUSY and leaves the file as it was; it opens once the lock is gone. */
static void busy_open(void)
{
    setup();
    durable_rt *rt = prepare(BUSY_MS);
    CHECK_OK(durable_close(rt));
    long size;
    unsigned char *image = slurp(db, &size);
    struct holder hd = hold("exclusive");
    durable_options o;
    durable_options_init(&o);
    o.busy_timeout_ms = BUSY_MS;
    rt = (durable_rt *)&rt;
    CHECK_RC(durable_open(&rt, db, &o), DURABLE_EBUSY);
    CHECK(rt == NULL);
    long now_size;
    unsigned char *now = slurp(db, &now_size);
    CHECK_INT(now_size, size);
    CHECK(memcmp(now, image, (size_t)size) == 0);
    release(hd);
    rt = open_rt(BUSY_MS);
    counter_bumps = 0;
    CHECK_RC(durable_run(rt), 0);
    CHECK_INT(counter_bumps, plan_steps());
    expect_finished(rt);
    CHECK_OK(durable_close(rt));
    free(image);
    free(now);
    teardown();
    printf("locked exclusively by another process: durable_open returned EBUSY, file unchanged; opened once released\n");
}

static const struct test_case cases[] = {
    {"write_same", write_same},     {"write_reopen", write_reopen}, {"write_once", write_once},
    {"fsync_same", fsync_same},     {"fsync_reopen", fsync_reopen}, {"full_same", full_same},
    {"full_reopen", full_reopen},   {"read_same", read_same},       {"read_reopen", read_reopen},
    {"start_write", start_write},   {"start_fsync", start_fsync},   {"close_write", close_write},
    {"close_fsync", close_fsync},   {"open_read", open_read},       {"open_write", open_write},
    {"open_fsync", open_fsync},     {"create_write", create_write}, {"create_fsync", create_fsync},
    {"busy_run", busy_run},         {"busy_open", busy_open},       {"read_dead_worker", read_dead_worker},
    {"write_dead_worker", write_dead_worker}, {"purge_read", purge_read}, {"purge_write", purge_write},
    {"read_timers", read_timers}, {"write_timers", write_timers},
    {"lease_after_failed_round", lease_after_failed_round}, {"cancel_read", cancel_read},
    {"cancel_write", cancel_write}, {"batch_write", batch_write}, {"batch_fsync", batch_fsync},
    {NULL, NULL},
};

/* FAULTS_SQLITE_LOG=1: print SQLite's error log (which statement failed how). */
static void sqlite_log(void *ctx, int code, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "sqlite: (%d) %s\n", code, msg);
}

int main(int argc, char **argv)
{
    if (getenv("FAULTS_SQLITE_LOG"))
        sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log, NULL);
    if (argc == 4 && strcmp(argv[1], "__helper") == 0)
        return strcmp(argv[3], "crash") == 0    ? crash_worker(argv[2])
               : strcmp(argv[3], "worker") == 0 ? other_worker(argv[2])
                                                : hold_lock(argv[2], argv[3]);
    signal(SIGPIPE, SIG_IGN);
    counter_hook = step_hook;
    CHECK_INT(faultvfs_install(), SQLITE_OK);
    return run_case(cases, argc, argv);
}

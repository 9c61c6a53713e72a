/*
 * batch.c — host batches: starts, signals and cancels between
 * durable_batch_begin and durable_batch_commit share one transaction.
 * One ctest entry per case: `batch CASE`.  `batch program` is the program
 * crashloop kills at every commit: it starts its workflows in one batch,
 * runs them and prints their results.
 */
#include "check.h"
#include "counter.h"
#include "testdb.h"

#include <durable.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static char db[256];

static durable_rt *open_db(const durable_options *o)
{
    durable_rt *rt;
    CHECK_OK(durable_open(&rt, db, o));
    return rt;
}

static durable_rt *fresh(const durable_options *o)
{
    snprintf(db, sizeof db, "/tmp/durable-batch-%d.db", (int)getpid());
    testdb_remove(db);
    return open_db(o);
}

static void done(durable_rt *rt)
{
    CHECK_OK(durable_close(rt));
    testdb_remove(db);
}

static int start(durable_rt *rt, const char *id, int n)
{
    struct count_to__args a = {n};
    return durable_start(rt, id, count_to_call(&a));
}

static const char *wid(int i)
{
    static char id[32];
    snprintf(id, sizeof id, "w%03d", i);
    return id;
}

/* count_to(n) returns 1 + 2 + ... + n */
static void expect_result(durable_rt *rt, const char *id, int n)
{
    int v = -1;
    CHECK_OK(durable_result(rt, id, &v));
    CHECK_INT(v, n * (n + 1) / 2);
}

static void expect_none(durable_rt *rt, int count)
{
    for (int i = 0; i < count; i++) {
        int st;
        CHECK_RC(durable_status(rt, wid(i), &st), DURABLE_ENOENT);
    }
}

enum { N = 200 };

/* N starts in one batch: one commit, then every result. */
static void case_starts_then_run(void)
{
    durable_rt *rt = fresh(NULL);
    durable_stats s0, s1;
    CHECK_OK(durable_get_stats(rt, &s0));
    CHECK_OK(durable_batch_begin(rt));
    for (int i = 0; i < N; i++)
        CHECK_OK(start(rt, wid(i), i % 7 + 1));
    CHECK_OK(start(rt, wid(0), 1)); /* the same id again in the batch: already started */
    CHECK_OK(durable_get_stats(rt, &s1));
    CHECK_INT(s1.commits, s0.commits); /* nothing committed yet */
    int st = 0;
    CHECK_OK(durable_status(rt, wid(5), &st)); /* the batch sees its own writes */
    CHECK_INT(st, DURABLE_READY);
    CHECK_OK(durable_batch_commit(rt));
    CHECK_OK(durable_get_stats(rt, &s1));
    CHECK_INT(s1.commits, s0.commits + 1); /* the whole batch: one commit */
    /* What committed is there for another connection. */
    durable_rt *other = open_db(NULL);
    CHECK_OK(durable_status(other, wid(N - 1), &st));
    CHECK_INT(st, DURABLE_READY);
    CHECK_OK(durable_close(other));
    counter_bumps = 0;
    CHECK_INT(durable_run(rt), 0);
    long want = 0;
    for (int i = 0; i < N; i++) {
        expect_result(rt, wid(i), i % 7 + 1);
        want += i % 7 + 1;
    }
    CHECK_INT(counter_bumps, want);
    done(rt);
}

static int started_events, other_events;
static void on_event(const durable_event *e, void *ctx)
{
    (void)ctx;
    if (e->kind == DURABLE_EVENT_STARTED)
        started_events++;
    else
        other_events++;
}

/* on_event hears of a batch's starts after its commit; of a rolled-back
 * batch, never. */
static void case_events_after_commit(void)
{
    durable_options o;
    durable_options_init(&o);
    o.on_event = on_event;
    durable_rt *rt = fresh(&o);
    CHECK_OK(durable_batch_begin(rt));
    for (int i = 0; i < 10; i++)
        CHECK_OK(start(rt, wid(i), 1));
    CHECK_INT(started_events, 0);
    CHECK_OK(durable_batch_commit(rt));
    CHECK_INT(started_events, 10);
    CHECK_OK(durable_batch_begin(rt));
    for (int i = 10; i < 20; i++)
        CHECK_OK(start(rt, wid(i), 1));
    CHECK_OK(durable_batch_rollback(rt));
    CHECK_INT(started_events, 10);
    CHECK_INT(other_events, 0);
    CHECK_INT(durable_run(rt), 0);
    CHECK_INT(started_events, 10);
    done(rt);
}

/* A rolled-back batch leaves nothing, in the file or in memory: the same
 * ids start afresh afterwards, with other arguments.  (That the schema the
 * lost batch wrote is written again: tests/faults, faults_batch_write.) */
static void case_rollback_leaves_nothing(void)
{
    durable_rt *rt = fresh(NULL);
    CHECK_OK(durable_batch_begin(rt));
    for (int i = 0; i < 50; i++)
        CHECK_OK(start(rt, wid(i), 3));
    CHECK_OK(durable_batch_rollback(rt));
    expect_none(rt, 50);
    CHECK_INT(durable_run(rt), 0);
    CHECK_OK(durable_close(rt));
    rt = open_db(NULL);
    expect_none(rt, 50);
    for (int i = 0; i < 50; i++)
        CHECK_OK(start(rt, wid(i), 2)); /* other arguments: nothing of the rolled-back ones is left */
    CHECK_OK(durable_close(rt));
    rt = open_db(NULL);
    CHECK_INT(durable_run(rt), 0);
    for (int i = 0; i < 50; i++)
        expect_result(rt, wid(i), 2);
    done(rt);
}

/* Inside a batch: rounds and nesting are refused; refusals of one call
 * leave the batch going; the commit and rollback need an open batch. */
static void case_refused_inside(void)
{
    durable_rt *rt = fresh(NULL);
    CHECK_RC(durable_batch_commit(rt), DURABLE_EINVAL);
    CHECK_RC(durable_batch_rollback(rt), DURABLE_EINVAL);
    CHECK_RC(durable_batch_begin(NULL), DURABLE_EINVAL);
    CHECK_OK(durable_batch_begin(rt));
    CHECK_RC(durable_batch_begin(rt), DURABLE_EINVAL);
    CHECK_OK(start(rt, wid(0), 2));
    CHECK_RC(durable_run(rt), DURABLE_EINVAL);
    CHECK_RC(durable_wait(rt, 0), DURABLE_EINVAL);
    struct count_to__args a = {1};
    durable_call bad = count_to_call(&a);
    bad.size = 3;
    CHECK_RC(durable_start(rt, wid(1), bad), DURABLE_ESIZE);
    CHECK_RC(durable_cancel(rt, "nobody"), DURABLE_ENOENT);
    CHECK_RC(durable_signal(rt, "nobody", "go", NULL, 0), DURABLE_ENOENT);
    CHECK_RC(durable_retry(rt, wid(0)), DURABLE_ENOTFAILED);
    CHECK_OK(start(rt, wid(2), 3));
    CHECK_OK(durable_batch_commit(rt)); /* the refusals did not lose the batch */
    CHECK_RC(durable_batch_commit(rt), DURABLE_EINVAL);
    CHECK_INT(durable_run(rt), 0);
    expect_result(rt, wid(0), 2);
    expect_result(rt, wid(2), 3);
    int st;
    CHECK_RC(durable_status(rt, wid(1), &st), DURABLE_ENOENT);
    done(rt);
}

/* Signals and cancels join the batch like starts: a cancel of a workflow
 * started earlier, and the start of another, commit together. */
static void case_control_in_batch(void)
{
    durable_rt *rt = fresh(NULL);
    CHECK_OK(start(rt, "victim", 5));
    CHECK_OK(durable_batch_begin(rt));
    CHECK_OK(durable_cancel(rt, "victim"));
    CHECK_OK(start(rt, "fresh", 2));
    CHECK_OK(durable_batch_rollback(rt));
    int st = 0;
    CHECK_RC(durable_status(rt, "fresh", &st), DURABLE_ENOENT);
    CHECK_OK(durable_batch_begin(rt));
    CHECK_OK(durable_cancel(rt, "victim"));
    CHECK_OK(start(rt, "fresh", 2));
    CHECK_OK(durable_batch_commit(rt));
    CHECK_INT(durable_run(rt), 0);
    CHECK_OK(durable_status(rt, "victim", &st));
    CHECK_INT(st, DURABLE_CANCELLED);
    expect_result(rt, "fresh", 2);
    done(rt);
}

/* durable_close with a batch open rolls it back. */
static void case_close_rolls_back(void)
{
    durable_rt *rt = fresh(NULL);
    CHECK_OK(durable_batch_begin(rt));
    for (int i = 0; i < 5; i++)
        CHECK_OK(start(rt, wid(i), 1));
    CHECK_OK(durable_close(rt));
    rt = open_db(NULL);
    expect_none(rt, 5);
    CHECK_INT(durable_run(rt), 0);
    done(rt);
}

/* A batch whose starts all existed writes nothing and commits nothing. */
static void case_empty_batch_commits_nothing(void)
{
    durable_rt *rt = fresh(NULL);
    CHECK_OK(start(rt, wid(0), 1));
    durable_stats s0, s1;
    CHECK_OK(durable_get_stats(rt, &s0));
    CHECK_OK(durable_batch_begin(rt));
    CHECK_OK(start(rt, wid(0), 1));
    CHECK_OK(durable_batch_commit(rt));
    CHECK_OK(durable_batch_begin(rt));
    CHECK_OK(durable_batch_commit(rt));
    CHECK_OK(durable_get_stats(rt, &s1));
    CHECK_INT(s1.commits, s0.commits);
    CHECK_INT(durable_run(rt), 0);
    expect_result(rt, wid(0), 1);
    done(rt);
}

/* A child process starts N workflows in one batch under the crash knob
 * (DURABLE_CRASH, runtime/src/fault.c; its first commit is the batch's),
 * and dies of SIGKILL just before or just after that commit. */
static void kill_at(const char *when)
{
    snprintf(db, sizeof db, "/tmp/durable-batch-%d.db", (int)getpid());
    testdb_remove(db);
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        setenv("DURABLE_CRASH", when, 1);
        durable_rt *rt = open_db(NULL);
        CHECK_OK(durable_batch_begin(rt));
        for (int i = 0; i < N; i++)
            CHECK_OK(start(rt, wid(i), 2));
        durable_batch_commit(rt);
        _exit(3); /* not reached: the knob kills */
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static void case_kill_before_commit(void)
{
    kill_at("before:1");
    durable_rt *rt = open_db(NULL);
    expect_none(rt, N);
    CHECK_INT(durable_run(rt), 0);
    done(rt);
}

static void case_kill_after_commit(void)
{
    kill_at("after:1");
    durable_rt *rt = open_db(NULL);
    for (int i = 0; i < N; i++) {
        int st = 0;
        CHECK_OK(durable_status(rt, wid(i), &st));
        CHECK_INT(st, DURABLE_READY);
    }
    CHECK_INT(durable_run(rt), 0);
    for (int i = 0; i < N; i++)
        expect_result(rt, wid(i), 2);
    done(rt);
}

/* For crashloop: start 20 workflows in one batch, run them all, print every
 * result.  A rerun starts them again: existing ids write nothing, so its
 * batch commits nothing and each rerun gets on with the rounds.  (A cancel
 * here would write again on every rerun: under crashloop's before:2 no
 * round would ever commit.) */
static int program(void)
{
    const char *path = getenv("DURABLE_TEST_DB");
    if (!path)
        return 2;
    durable_rt *rt;
    CHECK_OK(durable_open(&rt, path, NULL));
    CHECK_OK(durable_batch_begin(rt));
    for (int i = 0; i < 20; i++)
        CHECK_OK(start(rt, wid(i), i % 4 + 1));
    CHECK_OK(durable_batch_commit(rt));
    int left;
    while ((left = durable_run(rt)) > 0)
        CHECK_OK(durable_wait(rt, 100));
    CHECK_INT(left, 0);
    for (int i = 0; i < 20; i++) {
        int v = 0;
        int rc = durable_result(rt, wid(i), &v);
        printf("%s %s %d\n", wid(i), durable_errname(rc), rc == DURABLE_OK ? v : 0);
    }
    CHECK_OK(durable_close(rt));
    return 0;
}

int main(int argc, char **argv)
{
    static const struct test_case cases[] = {
        {"starts_then_run", case_starts_then_run},
        {"events_after_commit", case_events_after_commit},
        {"rollback_leaves_nothing", case_rollback_leaves_nothing},
        {"refused_inside", case_refused_inside},
        {"control_in_batch", case_control_in_batch},
        {"close_rolls_back", case_close_rolls_back},
        {"empty_batch_commits_nothing", case_empty_batch_commits_nothing},
        {"kill_before_commit", case_kill_before_commit},
        {"kill_after_commit", case_kill_after_commit},
        {NULL, NULL},
    };
    if (argc == 2 && strcmp(argv[1], "program") == 0)
        return program();
    return run_case(cases, argc, argv);
}

/*
 * fixture.c — builds database files for the `durable` CLI tests.  Durable C,
 * translated by dcc, so the schemas in the file are the ones dcc describes.
 *
 *   cli_fixture make DB     start one workflow in each state the CLI shows and
 *                           run until each is where the tests expect it:
 *
 *     sleeper      waiting on a one-hour timer, with locals of every kind
 *     waiter       waiting for signal "approve" (timeout one day)
 *     forever      waiting for signal "go", no timeout
 *     parent       waiting for its child (parent/nap.1, on a timer)
 *     fan          waiting for all of its spawned children (fan.c)
 *     flaky        waiting to retry a failing step (attempt 2, backoff 1 h)
 *     broken       failed: a permanent step failure it does not check
 *     done         done, result 42
 *     hello        done, a string result
 *     paused       paused while waiting on a timer
 *     cancelled    cancelled while waiting on a timer
 *     fresh        started, never run (state 0)
 *
 *   cli_fixture mangle DB   damage a `make` file the way a bad disk or a bad
 *                           tool might: sleeper's frame truncated, waiter's
 *                           arguments a blob with a wrong field count,
 *                           parent's frame one byte, a schema field of
 *                           waiter with an impossible offset.  The CLI must
 *                           report each value that does not decode and go on.
 *
 *   cli_fixture bulk DB N   a file with N workflows: one started and run, then
 *                           copied N-1 times with plain SQL (the fast way to
 *                           make a large file for the scale test).
 *
 * It is not a test by itself: tests/cli/cli_test.sh drives the CLI on it.
 */
#include "fan.h"

#include <durable.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MUST(call)                                                                                \
    do {                                                                                          \
        int rc_ = (call);                                                                         \
        if (rc_ < 0) {                                                                            \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, durable_strerror(rc_)); \
            exit(2);                                                                              \
        }                                                                                         \
    } while (0)

struct point {
    int x;
    int y;
};

struct box {
    struct point corner;
    double weight;
};

enum colour { RED, GREEN = 7 };

static int always_fails(int n)
{
    durable_fail(503, "service unavailable");
    return n;
}

static int refuses(int n)
{
    durable_fail_permanent(403, "card declined");
    return n;
}

static int twice(int n)
{
    return 2 * n;
}

/* Every persistable kind, live across one await. */
durable int sleeper(int order, const char *customer)
{
    char label[16] = "crate \"A\"";
    double price = 19.5;
    float ratio = 0.25f;
    bool express = true;
    unsigned long long big = 18446744073709551615ULL;
    short small = -12;
    int counts[3] = {1, 2, 3};
    struct point where = {3, -4};
    struct box boxes[2] = {{{1, 2}, 0.5}, {{5, 6}, 2.0}};
    enum colour colour = GREEN;
    char grade = 'B';
    const char *note = NULL;
    const char *who = customer;
    int unused_after = order * 2; /* dead at the await: not saved */
    (void)unused_after;
    await(durable_sleep(3600));
    return order + label[0] + (int)price + (int)(ratio * 4) + express + (int)(big & 1) + small + counts[2] +
           where.x + boxes[1].corner.y + (int)colour + grade + (note ? 1 : 0) + (int)strlen(who);
}

durable int waiter(int ticket)
{
    int asked = ticket * 10;
    int got = await(durable_wait_signal("approve", 86400));
    return got ? asked : -asked;
}

durable int forever(void)
{
    int got = await(durable_wait_signal("go", -1));
    return got;
}

durable int nap(int seconds)
{
    await(durable_sleep(seconds));
    return seconds;
}

durable int parent(int n)
{
    int before = n + 1;
    int r = await(nap(7200));
    return r + before;
}

durable int flaky(int n)
{
    int v = await(always_fails(n)); /* retried under the policy make() sets */
    return v;
}

durable int broken(int n)
{
    int kept = n + 100;
    int v = await(refuses(n));
    return v + kept;
}

durable int done(int n)
{
    int v = await(twice(n));
    return v;
}

durable const char *hello(const char *name)
{
    int v = await(twice(1));
    return v == 2 ? name : "?";
}

static void make(const char *path)
{
    durable_rt *rt;
    MUST(durable_open(&rt, path, NULL));
    MUST(durable_start(rt, "sleeper", sleeper(7, "alice")));
    MUST(durable_start(rt, "waiter", waiter(5)));
    MUST(durable_start(rt, "forever", forever()));
    MUST(durable_start(rt, "parent", parent(1)));
    struct fan__args three = {3};
    MUST(durable_start(rt, "fan", fan_call(&three)));
    durable_retry_policy hourly = {5, 3600, 2, 7200, 0};
    MUST(durable_set_retry(rt, "flaky", &hourly));
    MUST(durable_start(rt, "flaky", flaky(9)));
    MUST(durable_start(rt, "broken", broken(4)));
    MUST(durable_start(rt, "done", done(21)));
    MUST(durable_start(rt, "hello", hello("world")));
    MUST(durable_start(rt, "paused", nap(3600)));
    MUST(durable_start(rt, "cancelled", nap(3600)));
    MUST(durable_run(rt));
    MUST(durable_pause(rt, "paused"));
    MUST(durable_cancel(rt, "cancelled"));
    MUST(durable_run(rt));
    MUST(durable_start(rt, "fresh", done(1)));
    MUST(durable_close(rt));
}

static void exec_sql(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "cli_fixture: %s: %s\n", sql, err ? err : "?");
        exit(2);
    }
}

static sqlite3 *open_raw(const char *path)
{
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        fprintf(stderr, "cli_fixture: cannot open %s\n", path);
        exit(2);
    }
    return db;
}

static void mangle(const char *path)
{
    sqlite3 *db = open_raw(path);
    exec_sql(db, "BEGIN;"
                 "UPDATE durable_frames SET frame = substr(frame, 1, 50) WHERE workflow = 'sleeper';"
                 "UPDATE durable_workflows SET args = x'44460100ffffffff' WHERE id = 'waiter';"
                 "UPDATE durable_frames SET frame = x'00' WHERE workflow = 'parent';"
                 "UPDATE durable_schema_fields SET offset = 100000 WHERE role = 'field' AND name = 'asked';"
                 "COMMIT;");
    sqlite3_close(db);
}

static void bulk(const char *path, long n)
{
    durable_rt *rt;
    MUST(durable_open(&rt, path, NULL));
    MUST(durable_start(rt, "w0", nap(3600)));
    MUST(durable_run(rt));
    MUST(durable_close(rt));

    sqlite3 *db = open_raw(path);
    char sql[2048];
    snprintf(sql, sizeof sql,
             "BEGIN;"
             "CREATE TEMP TABLE n(i INTEGER PRIMARY KEY);"
             "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %ld)"
             " INSERT INTO n SELECT i FROM c;"
             "INSERT INTO durable_workflows(id, function, parent, spawn_idx, collected, status, owner, args,"
             " result, error_code, error, created_ms, updated_ms)"
             " SELECT 'w' || n.i, w.function, NULL, NULL, 0, w.status,"
             " NULL, w.args, NULL, 0, NULL, w.created_ms + n.i, w.updated_ms + n.i"
             " FROM n, durable_workflows w WHERE w.id = 'w0';"
             "INSERT INTO durable_frames SELECT 'w' || n.i, f.fingerprint, f.state, f.ready, f.await_error,"
             " f.attempt, f.seq, f.await_seq, f.wait_kind, f.waiting_on, f.cancel, f.paused, f.policy, f.frame,"
             " f.value, f.payload FROM n, durable_frames f WHERE f.workflow = 'w0';"
             "INSERT INTO durable_timers SELECT 'w' || n.i, t.due_ms FROM n, durable_timers t WHERE t.workflow = 'w0';"
             "COMMIT;",
             n - 1);
    exec_sql(db, sql);
    sqlite3_close(db);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "make") == 0) {
        make(argv[2]);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "mangle") == 0) {
        mangle(argv[2]);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "bulk") == 0) {
        bulk(argv[2], atol(argv[3]));
        return 0;
    }
    fprintf(stderr, "usage: cli_fixture make DB | mangle DB | bulk DB N\n");
    return 2;
}

/*
 * baddb.c — files that are not ours, or not healthy, are refused with a clear
 * code and left byte-for-byte untouched; workflows the program cannot resume
 * are held (never deleted) and resume once a program that can is back.
 * One ctest entry per case: `baddb CASE`.
 */
#include "check.h"
#include "counter.h"

#include <durable.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[128], db[256];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/baddb.XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(db, sizeof db, "%s/app.db", dir);
}

static void teardown(void)
{
    const char *sfx[] = {"", "-wal", "-shm", "-journal"};
    char p[300];
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", db, sfx[i]);
        unlink(p);
    }
    rmdir(dir);
}

static unsigned char *slurp(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    rewind(f);
    unsigned char *b = malloc((size_t)*len + 1);
    CHECK(fread(b, 1, (size_t)*len, f) == (size_t)*len);
    fclose(f);
    return b;
}

static void spit(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(p, 1, n, f) == n);
    fclose(f);
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* durable_open must fail with `want` and leave the file exactly as it was. */
static void refused_untouched(int want)
{
    long n0, n1;
    unsigned char *before = slurp(db, &n0);
    durable_rt *rt = (durable_rt *)1;
    CHECK_RC(durable_open(&rt, db, NULL), want);
    CHECK(rt == NULL);
    unsigned char *after = slurp(db, &n1);
    CHECK_INT(n1, n0);
    CHECK(memcmp(before, after, (size_t)n0) == 0);
    char side[300];
    snprintf(side, sizeof side, "%s-wal", db);
    CHECK(!exists(side));
    printf("refused with %s (%s); %ld bytes unchanged\n", durable_errname(want), durable_strerror(want), n0);
    free(before);
    free(after);
}

static void sql(const char *stmt)
{
    sqlite3 *h;
    CHECK(sqlite3_open(db, &h) == SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec(h, stmt, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "sql: %s: %s\n", stmt, err);
        exit(1);
    }
    sqlite3_close(h);
}

/* A database of ours with `n` finished count_to workflows. */
static void make_ours(int n, int run)
{
    durable_rt *rt;
    CHECK_OK(durable_open(&rt, db, NULL));
    for (int i = 0; i < n; i++) {
        char id[32];
        struct count_to__args a = {3};
        snprintf(id, sizeof id, "w%d", i);
        CHECK_OK(durable_start(rt, id, count_to_call(&a)));
    }
    if (run)
        CHECK_INT(durable_run(rt), 0);
    CHECK_OK(durable_close(rt));
    char side[300];
    snprintf(side, sizeof side, "%s-wal", db);
    CHECK(!exists(side)); /* the last close checkpointed the WAL into the file */
}

static void case_text_file(void)
{
    setup();
    const char text[] = "these are my notes, not a database\n";
    spit(db, text, sizeof text - 1);
    refused_untouched(DURABLE_ENOTDB);
    teardown();
}

static void case_foreign_sqlite(void)
{
    setup();
    sql("CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5);");
    refused_untouched(DURABLE_ENOTDB);
    teardown();
}

static void case_newer_format(void)
{
    setup();
    make_ours(3, 1);
    sql("PRAGMA user_version = 2");
    refused_untouched(DURABLE_ENEWER);
    teardown();
}

static void case_corrupt_page(void)
{
    setup();
    make_ours(300, 1);
    long n;
    unsigned char *b = slurp(db, &n);
    CHECK(n > 4 * 4096);
    memset(b + 1 * 4096, 0x55, 2 * 4096); /* scribble over pages 2 and 3, b-tree headers included */
    spit(db, b, (size_t)n);
    free(b);
    refused_untouched(DURABLE_ECORRUPT);
    teardown();
}

static void case_truncated(void)
{
    setup();
    make_ours(300, 1);
    long n;
    unsigned char *b = slurp(db, &n);
    spit(db, b, (size_t)n / 2 + 1000);
    free(b);
    refused_untouched(DURABLE_ECORRUPT);
    teardown();
}

static void case_empty_file_is_initialised(void)
{
    setup();
    spit(db, "", 0);
    make_ours(1, 1);
    durable_rt *rt;
    CHECK_OK(durable_open(&rt, db, NULL));
    int sum = 0;
    CHECK_OK(durable_result(rt, "w0", &sum));
    CHECK_INT(sum, 6);
    durable_close(rt);
    teardown();
}

/* Resume a held workflow: run it to the end with the right program. */
static void expect_held_then_resume(const char *break_sql, const char *fix_sql, int code, const char *words)
{
    setup();
    make_ours(2, 0);
    sql(break_sql);
    durable_rt *rt;
    CHECK_OK(durable_open(&rt, db, NULL));
    CHECK_INT(durable_run(rt), 0); /* w0 finishes; w1 is held, not counted */
    int st = 0;
    CHECK_OK(durable_status(rt, "w0", &st));
    CHECK_INT(st, DURABLE_DONE);
    CHECK_OK(durable_status(rt, "w1", &st));
    CHECK_INT(st, DURABLE_HELD);
    const char *m = NULL;
    CHECK_OK(durable_get_error(rt, "w1", &m));
    CHECK(strstr(m, words) != NULL);
    char *msg = strdup(m); /* m belongs to rt */
    int sum;
    CHECK_RC(durable_result(rt, "w1", &sum), DURABLE_EPENDING);
    CHECK_OK(durable_close(rt));
    /* a second open changes nothing: still held, still there */
    CHECK_OK(durable_open(&rt, db, NULL));
    CHECK_INT(durable_run(rt), 0);
    CHECK_OK(durable_status(rt, "w1", &st));
    CHECK_INT(st, DURABLE_HELD);
    CHECK_OK(durable_close(rt));
    sqlite3 *h;
    CHECK(sqlite3_open(db, &h) == SQLITE_OK);
    sqlite3_stmt *q;
    CHECK(sqlite3_prepare_v2(h, "SELECT error_code FROM durable_workflows WHERE id = 'w1'", -1, &q, NULL) == 0);
    CHECK(sqlite3_step(q) == SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(q, 0), code);
    sqlite3_finalize(q);
    sqlite3_close(h);
    printf("held with %s: %s\n", durable_errname(code), msg);
    free(msg);
    /* the program that can run it is back */
    sql(fix_sql);
    CHECK_OK(durable_open(&rt, db, NULL));
    CHECK_INT(durable_run(rt), 0);
    CHECK_OK(durable_status(rt, "w1", &st));
    CHECK_INT(st, DURABLE_DONE);
    CHECK_OK(durable_result(rt, "w1", &sum));
    CHECK_INT(sum, 6);
    CHECK_OK(durable_close(rt));
    teardown();
}

static void case_unknown_function_held(void)
{
    expect_held_then_resume("UPDATE durable_workflows SET function = 'vanished' WHERE id = 'w1'",
                            "UPDATE durable_workflows SET function = 'count_to' WHERE id = 'w1'", DURABLE_ENOFUNC,
                            "'vanished' is not linked");
}

static void case_incompatible_frame_held(void)
{
    expect_held_then_resume("UPDATE durable_frames SET fingerprint = fingerprint + 1 WHERE workflow = 'w1'",
                            "UPDATE durable_frames SET fingerprint = fingerprint - 1 WHERE workflow = 'w1'",
                            DURABLE_EINCOMPAT, "incompatible build");
}

static void case_undecodable_frame_held(void)
{
    expect_held_then_resume("UPDATE durable_workflows SET args = x'4446010001000000ff' WHERE id = 'w1'",
                            "UPDATE durable_workflows SET args = x'444601000100000003000000' WHERE id = 'w1'",
                            DURABLE_ECORRUPT, "does not decode");
}

/* A path with URI metacharacters: opened, refused and inspected the same. */
static void case_odd_path(void)
{
    setup();
    snprintf(db, sizeof db, "%s/100%% a?b#c.db", dir);
    make_ours(2, 1);
    durable_rt *rt;
    CHECK_OK(durable_open(&rt, db, NULL)); /* inspected again, as an existing file */
    int v = 0;
    CHECK_OK(durable_result(rt, "w1", &v));
    CHECK_INT(v, 6);
    CHECK_OK(durable_close(rt));
    sql("PRAGMA user_version = 2");
    refused_untouched(DURABLE_ENEWER);
    teardown();
}

static void case_directory(void)
{
    durable_rt *rt;
    CHECK_RC(durable_open(&rt, "/tmp", NULL), DURABLE_ENOTDB);
    CHECK_RC(durable_open(&rt, "/nonexistent-dir/x.db", NULL), DURABLE_EIO);
}

int main(int argc, char **argv)
{
    static const struct test_case cases[] = {
        {"text_file", case_text_file},
        {"foreign_sqlite", case_foreign_sqlite},
        {"newer_format", case_newer_format},
        {"corrupt_page", case_corrupt_page},
        {"truncated", case_truncated},
        {"empty_file", case_empty_file_is_initialised},
        {"unknown_function_held", case_unknown_function_held},
        {"incompatible_frame_held", case_incompatible_frame_held},
        {"undecodable_args_held", case_undecodable_frame_held},
        {"directory", case_directory},
        {"odd_path", case_odd_path},
        {NULL, NULL},
    };
    return run_case(cases, argc, argv);
}

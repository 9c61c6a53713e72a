/*
 * store_conformance.c — every store operation, through the ops table of
 * store.h, against the store named on the command line, with the same
 * expected results on every store:
 *
 *     store_conformance CASE TARGET
 *
 * TARGET is an SQLite path (each case uses TARGET.CASE) or a postgresql://
 * URI of a server the cases may create databases on (each case runs in a
 * fresh database dc_CASE); `pg` takes the URI from $DURABLE_PG_URI, which
 * pg_server.sh sets.  CASE `all` runs every case that applies to the store.
 * The read_* cases are the read operations of the `durable` tool, on a
 * store opened with durable__store_open_read.  The refuse_* cases are
 * PostgreSQL's opening checks (SQLite's are in tests/bad) and lost_connection a server that ends the connection: they
 * set up the database with libpq directly.
 */
#include "check.h"
#include "store.h"
#include "testdb.h"

#include <sqlite3.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef DURABLE_HAVE_PG
#include <libpq-fe.h>
#endif

static const char *target;
static int is_pg;
static char where[1024]; /* the current case's store: a file or a URI */

/* The stores' clock: each reading 10 ms after the last, so rows written one
 * after the other have different times on every store. */
static int64_t ticks(void *ctx)
{
    (void)ctx;
    static int64_t t = 1000000;
    return t += 10;
}

static durable__store *open_store(int busy_ms)
{
    durable_options o;
    durable_options_init(&o);
    o.busy_timeout_ms = busy_ms;
    o.clock = ticks;
    durable__store *s = NULL;
    int rc = is_pg ? durable__store_pg_open(&s, where, &o) : durable__store_sqlite_open(&s, where, &o);
    if (rc != DURABLE_OK) {
        fprintf(stderr, "open %s: %s (%s)\n", where, durable_errname(rc), durable_open_error());
        exit(1);
    }
    return s;
}

#ifdef DURABLE_HAVE_PG
/* The URI of database `db` on the server of `target`. */
static void uri_of(const char *db, char *out, size_t size)
{
    const char *slash = strrchr(target, '/');
    const char *q = strchr(target, '?');
    CHECK(slash && slash > strstr(target, "://") + 2);
    snprintf(out, size, "%.*s/%s%s", (int)(slash - target), target, db, q ? q : "");
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *pg_connect(const char *uri)
{
    PGconn *c = PQconnectdb(uri);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "connect %s: %s", uri, PQerrorMessage(c));
        exit(1);
    }
    PQsetNoticeProcessor(c, quiet, NULL);
    return c;
}

static void pg_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
}

/* One integer a query on `uri` yields. */
static long long pg_int(const char *uri, const char *sql)
{
    PGconn *c = pg_connect(uri);
    PGresult *r = PQexec(c, sql);
    CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1);
    long long v = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    return v;
}
#endif

/* A fresh, empty store location for case `name`. */
static void fresh(const char *name)
{
    if (!is_pg) {
        snprintf(where, sizeof where, "%s.%s", target, name);
        testdb_remove(where);
        return;
    }
#ifdef DURABLE_HAVE_PG
    char sql[256];
    PGconn *c = pg_connect(target);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS dc_%s", name);
    pg_exec(c, sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE dc_%s", name);
    pg_exec(c, sql);
    PQfinish(c);
    char db[128];
    snprintf(db, sizeof db, "dc_%s", name);
    uri_of(db, where, sizeof where);
#else
    fprintf(stderr, "SKIP: built without libpq\n");
    exit(77);
#endif
}

/* Rows in table `t` (SQLite's durable_t, PostgreSQL's durable.t). */
static long long count_rows(const char *t)
{
    char sql[256];
    if (is_pg) {
#ifdef DURABLE_HAVE_PG
        snprintf(sql, sizeof sql, "SELECT count(*) FROM durable.%s", t);
        return pg_int(where, sql);
#endif
    }
    sqlite3 *db;
    sqlite3_stmt *st;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM durable_%s", t);
    CHECK(sqlite3_open_v2(where, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* Run SQL on the store's database behind its back: `lite` on SQLite, `pg`
 * on PostgreSQL. */
static void backdoor(const char *lite, const char *pg)
{
    if (is_pg) {
#ifdef DURABLE_HAVE_PG
        PGconn *c = pg_connect(where);
        pg_exec(c, pg);
        PQfinish(c);
#endif
        return;
    }
    sqlite3 *db;
    CHECK(sqlite3_open_v2(where, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, lite, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
}

static void done(durable__store *s)
{
    s->ops->close(s);
    if (!is_pg)
        testdb_remove(where);
}

/* Insert a workflow row (in its own transaction). */
static void add(durable__store *s, const char *id, const char *parent, int spawn_idx, int status)
{
    durable__row r = {0};
    r.id = (char *)id;
    r.function = "f";
    r.parent = (char *)parent;
    r.spawn_idx = spawn_idx;
    r.status = status;
    r.fingerprint = 0xfedcba9876543210ull;
    unsigned char args[] = {'D', 'F', 0, 0xff, 0x80, 0x7f};
    r.args.p = args;
    r.args.n = sizeof args;
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->insert(s, &r));
    CHECK_OK(s->ops->commit(s));
}

static void set_status(durable__store *s, const char *id, int status, const char *owner)
{
    durable__row r;
    CHECK_OK(s->ops->get(s, id, &r));
    r.status = status;
    free(r.owner);
    r.owner = owner ? durable__strdup(owner) : NULL;
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->update(s, &r, DURABLE__W_STATUS));
    CHECK_OK(s->ops->commit(s));
    durable__row_clear(&r);
}

/* ids[0..n) joined by ',' for comparison. */
static const char *joined(char **ids, size_t n)
{
    static char buf[4096];
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(buf, ",");
        strcat(buf, ids[i]);
    }
    return buf;
}

#define CHECK_IDS(call, want)                                                                      \
    do {                                                                                           \
        char **ids_;                                                                               \
        size_t n_;                                                                                 \
        CHECK_OK(call);                                                                            \
        CHECK_STR(joined(ids_, n_), want);                                                         \
        durable__ids_free(ids_, n_);                                                               \
    } while (0)
#define IDS &ids_, &n_

/* ---- rows ---- */

static void case_rows(void)
{
    fresh("rows");
    durable__store *s = open_store(1000);
    durable__row r;
    CHECK_RC(s->ops->get(s, "nope", &r), DURABLE_ENOENT);
    CHECK(r.id == NULL);
    add(s, "w1", NULL, -1, DURABLE_READY);
    CHECK_OK(s->ops->get(s, "w1", &r));
    CHECK_STR(r.id, "w1");
    CHECK_STR(r.function, "f");
    CHECK(r.parent == NULL && r.owner == NULL && r.error == NULL && r.waiting_on == NULL && r.policy == NULL);
    CHECK_INT(r.spawn_idx, -1);
    CHECK_INT(r.status, DURABLE_READY);
    CHECK(r.fingerprint == 0xfedcba9876543210ull);
    CHECK_INT(r.state, 0);
    CHECK_INT(r.seq, 0);
    CHECK_INT(r.wake_ms, 0);
    CHECK_INT(r.args.n, 6);
    CHECK(memcmp(r.args.p, "DF\0\xff\x80\x7f", 6) == 0);
    CHECK_INT(r.frame.n, 0);
    CHECK_INT(r.result.n, 0);

    /* a duplicate id is EEXIST, and the transaction goes on */
    durable__row d = {0};
    d.id = "w1";
    d.function = "g";
    d.spawn_idx = -1;
    d.status = DURABLE_READY;
    CHECK_OK(s->ops->begin(s));
    CHECK_RC(s->ops->insert(s, &d), DURABLE_EEXIST);
    d.id = "w2";
    CHECK_OK(s->ops->insert(s, &d));
    CHECK_OK(s->ops->commit(s));
    durable__row r2;
    CHECK_OK(s->ops->get(s, "w2", &r2));
    CHECK_STR(r2.function, "g");
    durable__row_clear(&r2);

    /* every part of an update */
    unsigned char frame[300], value[] = {1, 0, 2}, payload[] = {0};
    for (size_t i = 0; i < sizeof frame; i++)
        frame[i] = (unsigned char)(i * 7);
    r.status = DURABLE_WAITING;
    r.owner = durable__strdup("me");
    r.error_code = -5;
    r.error = durable__strdup("bad");
    r.fingerprint = 42;
    r.state = 3;
    r.ready = 1;
    r.await_error = -19;
    r.attempt = 2;
    r.seq = 5000000000ull;
    r.await_seq = 4;
    r.wait_kind = DURABLE__WAIT_SIGNAL;
    r.waiting_on = durable__strdup("go");
    r.cancel = 1;
    r.policy = durable__strdup("3,10,2");
    CHECK_OK(durable__buf_put(&r.frame, frame, sizeof frame));
    CHECK_OK(durable__buf_put(&r.value, value, sizeof value));
    CHECK_OK(durable__buf_put(&r.payload, payload, sizeof payload));
    r.wake_ms = 123456789012;
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->update(s, &r, DURABLE__W_STATUS | DURABLE__W_FRAME | DURABLE__W_TIMER));
    CHECK_OK(s->ops->commit(s));
    durable__row_clear(&r);
    CHECK_OK(s->ops->get(s, "w1", &r));
    CHECK_INT(r.status, DURABLE_WAITING);
    CHECK_STR(r.owner, "me");
    CHECK_INT(r.error_code, -5);
    CHECK_STR(r.error, "bad");
    CHECK_INT(r.fingerprint, 42);
    CHECK_INT(r.state, 3);
    CHECK_INT(r.ready, 1);
    CHECK_INT(r.await_error, -19);
    CHECK_INT(r.attempt, 2);
    CHECK(r.seq == 5000000000ull);
    CHECK_INT(r.await_seq, 4);
    CHECK_INT(r.wait_kind, DURABLE__WAIT_SIGNAL);
    CHECK_STR(r.waiting_on, "go");
    CHECK_INT(r.cancel, 1);
    CHECK_STR(r.policy, "3,10,2");
    CHECK_INT(r.frame.n, sizeof frame);
    CHECK(memcmp(r.frame.p, frame, sizeof frame) == 0);
    CHECK_INT(r.value.n, 3);
    CHECK(memcmp(r.value.p, value, 3) == 0);
    CHECK_INT(r.payload.n, 1);
    CHECK_INT(r.wake_ms, 123456789012);

    /* W_FRAME: cancel only grows; W_FLAGS sets it as given */
    r.cancel = 0;
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->update(s, &r, DURABLE__W_FRAME));
    CHECK_OK(s->ops->commit(s));
    int cancel = -1, paused = -1;
    CHECK_OK(s->ops->flags(s, "w1", &cancel, &paused));
    CHECK_INT(cancel, 1);
    CHECK_INT(paused, 0);
    r.paused = 1;
    r.cancel = 0;
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->update(s, &r, DURABLE__W_FLAGS));
    CHECK_OK(s->ops->commit(s));
    CHECK_OK(s->ops->flags(s, "w1", &cancel, &paused));
    CHECK_INT(cancel, 0);
    CHECK_INT(paused, 1);
    CHECK_RC(s->ops->flags(s, "nope", &cancel, &paused), DURABLE_ENOENT);

    /* the timer goes with wake_ms 0 */
    r.wake_ms = 0;
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->update(s, &r, DURABLE__W_TIMER));
    CHECK_OK(s->ops->commit(s));
    durable__row_clear(&r);
    CHECK_OK(s->ops->get(s, "w1", &r));
    CHECK_INT(r.wake_ms, 0);

    /* set_args */
    durable__buf a = {0};
    CHECK_OK(durable__buf_put(&a, "xyz", 3));
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->set_args(s, "w1", &a));
    CHECK_OK(s->ops->commit(s));
    durable__buf_free(&a);
    durable__row_clear(&r);
    CHECK_OK(s->ops->get(s, "w1", &r));
    CHECK_INT(r.args.n, 3);
    CHECK(memcmp(r.args.p, "xyz", 3) == 0);

    /* the end: result, owner gone, frame row deleted */
    durable__buf_free(&r.result);
    CHECK_OK(durable__buf_put(&r.result, "DF\1\2", 4));
    r.status = DURABLE_DONE;
    free(r.error);
    r.error = NULL;
    r.error_code = 0;
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->update(s, &r, DURABLE__W_RESULT));
    CHECK_OK(s->ops->commit(s));
    durable__row_clear(&r);
    CHECK_OK(s->ops->get(s, "w1", &r));
    CHECK_INT(r.status, DURABLE_DONE);
    CHECK(r.owner == NULL && r.error == NULL);
    CHECK_INT(r.result.n, 4);
    CHECK(memcmp(r.result.p, "DF\1\2", 4) == 0);
    CHECK_INT(r.state, 0); /* no frame row */
    CHECK_INT(r.frame.n, 0);
    CHECK_RC(s->ops->flags(s, "w1", &cancel, &paused), DURABLE_ENOENT);
    durable__row_clear(&r);

    /* a rolled-back transaction leaves nothing */
    CHECK_OK(s->ops->begin(s));
    d.id = "w3";
    CHECK_OK(s->ops->insert(s, &d));
    s->ops->rollback(s);
    CHECK_RC(s->ops->get(s, "w3", &r), DURABLE_ENOENT);
    s->ops->rollback(s); /* outside a transaction: nothing */
    done(s);
}

/* list, family, spawns, get_spawned, collected */
static void case_children(void)
{
    fresh("children");
    durable__store *s = open_store(1000);
    add(s, "p", NULL, -1, DURABLE_WAITING);
    add(s, "c0", "p", 0, DURABLE_READY);
    add(s, "c1", "p", 1, DURABLE_READY);
    add(s, "c2", "p", 2, DURABLE_READY);
    add(s, "g", "c1", -1, DURABLE_READY); /* called, not spawned */
    add(s, "other", NULL, -1, DURABLE_READY);
    CHECK_IDS(s->ops->list(s, DURABLE_READY, NULL, IDS), "c0,c1,c2,g,other");
    CHECK_IDS(s->ops->list(s, DURABLE_WAITING, NULL, IDS), "p");
    CHECK_IDS(s->ops->list(s, DURABLE_DONE, NULL, IDS), "");
    CHECK_IDS(s->ops->family(s, "p", IDS), "p,c0,c1,c2,g");
    durable__spawns sp;
    CHECK_OK(s->ops->spawns(s, "p", &sp));
    CHECK_INT(sp.total, 3);
    CHECK_INT(sp.unfinished, 3);
    CHECK_INT(sp.failed, 0);
    CHECK_INT(sp.finished_uncollected, -1);
    CHECK(sp.finished_id == NULL);
    set_status(s, "c2", DURABLE_FAILED, NULL);
    set_status(s, "c1", DURABLE_DONE, NULL);
    CHECK_IDS(s->ops->family(s, "p", IDS), "p,c0,g");
    CHECK_OK(s->ops->spawns(s, "p", &sp));
    CHECK_INT(sp.total, 3);
    CHECK_INT(sp.unfinished, 1);
    CHECK_INT(sp.failed, 1);
    CHECK_INT(sp.finished_uncollected, 2); /* the first to finish, then by handle */
    CHECK_STR(sp.finished_id, "c2");
    free(sp.finished_id);
    durable__row c = {0};
    c.id = "c2";
    c.collected = 1;
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->update(s, &c, DURABLE__W_COLLECTED));
    CHECK_OK(s->ops->commit(s));
    CHECK_OK(s->ops->spawns(s, "p", &sp));
    CHECK_INT(sp.finished_uncollected, 1);
    CHECK_STR(sp.finished_id, "c1");
    free(sp.finished_id);
    durable__row r;
    CHECK_OK(s->ops->get_spawned(s, "p", 2, &r));
    CHECK_STR(r.id, "c2");
    CHECK_INT(r.collected, 1);
    CHECK_INT(r.status, DURABLE_FAILED);
    durable__row_clear(&r);
    CHECK_RC(s->ops->get_spawned(s, "p", 7, &r), DURABLE_ENOENT);
    int n = -1;
    CHECK_OK(s->ops->count_unfinished(s, &n));
    CHECK_INT(n, 4); /* p c0 g other: ready or waiting */
    done(s);
}

/* ---- schemas ---- */

static void case_schema(void)
{
    fresh("schema");
    durable__store *s = open_store(1000);
    static const durable_field members[] = {{"x", "int", DURABLE_KIND_INT, 0, 4, 1, 0, NULL, 0},
                                            {"y", "int", DURABLE_KIND_INT, 4, 4, 1, 0, NULL, 0}};
    static const durable_field fields[] = {{"i", "int", DURABLE_KIND_INT, 0, 4, 1, 10, NULL, 0},
                                           {"pt", "struct pt", DURABLE_KIND_STRUCT, 4, 8, 1, 11, members, 2},
                                           {"name", "char *", DURABLE_KIND_STRING, 16, 8, 1, 12, NULL, 0}};
    static const durable_field params[] = {{"n", "long", DURABLE_KIND_INT, 0, 8, 1, 9, NULL, 0}};
    static const durable_field result = {"", "double", DURABLE_KIND_FLOAT, 0, 8, 1, 0, NULL, 0};
    static const durable_field v = {"", "int", DURABLE_KIND_INT, 0, 4, 1, 0, NULL, 0};
    static const uint32_t saves1[] = {0, 2};
    static const durable_await awaits[] = {
        {1, DURABLE_AWAIT_STEP, "step", 20, &v, 1, saves1, 2, "body/for.body", "step(i)"},
        {2, DURABLE_AWAIT_RUNTIME, "durable_sleep", 21, NULL, 0, NULL, 0, NULL, NULL},
    };
    durable_func fn = {"fn", "fn.c", NULL, 24, 8, fields, 3, params, 1, &result, awaits, 2, 0x8000000000000001ull,
                       NULL};
    durable__schema sc;
    CHECK_RC(s->ops->schema(s, fn.fingerprint, &sc), DURABLE_ENOENT);
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->put_schema(s, &fn));
    CHECK_OK(s->ops->put_schema(s, &fn)); /* idempotent */
    CHECK_OK(s->ops->commit(s));
    CHECK_INT(count_rows("schemas"), 1);
    CHECK_INT(count_rows("schema_fields"), 7); /* 1 param, 3 fields + 2 members, 1 result */
    CHECK_INT(count_rows("schema_awaits"), 2);
    CHECK_OK(s->ops->schema(s, fn.fingerprint, &sc));
    CHECK_STR(sc.function, "fn");
    CHECK_INT(sc.frame_size, 24);
    CHECK_INT(sc.args_size, 8);
    CHECK_INT(sc.nparams, 1);
    CHECK_STR(sc.params[0].name, "n");
    CHECK_STR(sc.params[0].type, "long");
    CHECK_INT(sc.params[0].line, 9);
    CHECK_INT(sc.nfields, 3); /* top-level only */
    CHECK_STR(sc.fields[1].name, "pt");
    CHECK_INT(sc.fields[1].kind, DURABLE_KIND_STRUCT);
    CHECK_INT(sc.fields[1].offset, 4);
    CHECK_INT(sc.fields[1].size, 8);
    CHECK_STR(sc.fields[2].type, "char *");
    CHECK_INT(sc.nawaits, 2);
    CHECK_INT(sc.awaits[0].id, 1);
    CHECK_STR(sc.awaits[0].callee, "step");
    CHECK_INT(sc.awaits[0].checks_error, 1);
    CHECK_INT(sc.awaits[0].line, 20);
    CHECK_STR(sc.awaits[0].value.type, "int");
    CHECK_INT(sc.awaits[0].value.size, 4);
    CHECK_INT(sc.awaits[0].nsaves, 2);
    CHECK_INT(sc.awaits[0].saves[1], 2);
    CHECK_STR(sc.awaits[0].place, "body/for.body");
    CHECK_STR(sc.awaits[0].text, "step(i)");
    CHECK_STR(sc.awaits[1].callee, "durable_sleep");
    CHECK(sc.awaits[1].value.type == NULL && sc.awaits[1].place == NULL && sc.awaits[1].text == NULL);
    CHECK_INT(sc.awaits[1].nsaves, 0);
    durable__schema_free(&sc);
    /* a damaged row: a frame larger than any store holds */
    backdoor("UPDATE durable_schemas SET frame_size = 4000000000", "UPDATE durable.schemas SET frame_size = 4000000000");
    CHECK_RC(s->ops->schema(s, fn.fingerprint, &sc), DURABLE_ECORRUPT);
    CHECK(sc.function == NULL && sc.nfields == 0);
    done(s);
}

/* ---- claims ---- */

static void case_claim(void)
{
    fresh("claim");
    durable__store *s = open_store(1000);
    for (int i = 0; i < 5; i++) {
        char id[8];
        snprintf(id, sizeof id, "r%d", i);
        add(s, id, NULL, -1, DURABLE_READY);
    }
    add(s, "waiting", NULL, -1, DURABLE_WAITING);
    int yes = 0;
    CHECK_OK(s->ops->has_work(s, "A", 1000, &yes));
    CHECK_INT(yes, 1);
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->worker_beat(s, "A", 5000));
    CHECK_OK(s->ops->worker_beat(s, "B", 2000));
    CHECK_IDS(s->ops->claim(s, "A", 1000, 2, 0, IDS), "r0,r1");
    CHECK_IDS(s->ops->claim(s, "B", 1000, 2, 0, IDS), "r2,r3");
    CHECK_OK(s->ops->commit(s));
    CHECK_IDS(s->ops->workers(s, 1000, IDS), "A,B");
    CHECK_IDS(s->ops->workers(s, 3000, IDS), "A");
    durable__row r;
    CHECK_OK(s->ops->get(s, "r1", &r));
    CHECK_STR(r.owner, "A");
    durable__row_clear(&r);
    /* r4 is left; A's own rows only with `mine`; B's while its lease runs */
    CHECK_OK(s->ops->begin(s));
    CHECK_IDS(s->ops->claim(s, "A", 1000, 10, 0, IDS), "r4");
    CHECK_IDS(s->ops->claim(s, "A", 1000, 10, 0, IDS), "");
    CHECK_IDS(s->ops->claim(s, "A", 1000, 10, 1, IDS), "r0,r1,r4");
    CHECK_OK(s->ops->commit(s));
    CHECK_OK(s->ops->has_work(s, "A", 1000, &yes));
    CHECK_INT(yes, 0);
    /* B's lease lapsed at 2000: A takes its rows */
    CHECK_OK(s->ops->has_work(s, "A", 3000, &yes));
    CHECK_INT(yes, 1);
    CHECK_OK(s->ops->begin(s));
    CHECK_IDS(s->ops->claim(s, "A", 3000, 10, 0, IDS), "r2,r3");
    CHECK_OK(s->ops->commit(s));
    /* a dropped worker's rows are free */
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->worker_drop(s, "A"));
    CHECK_OK(s->ops->commit(s));
    CHECK_IDS(s->ops->workers(s, 0, IDS), "B");
    CHECK_OK(s->ops->get(s, "r3", &r));
    CHECK(r.owner == NULL);
    /* a paused row is not claimed */
    r.paused = 1;
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->update(s, &r, DURABLE__W_FLAGS));
    CHECK_IDS(s->ops->claim(s, "C", 3000, 10, 0, IDS), "r0,r1,r2,r4");
    CHECK_OK(s->ops->commit(s));
    durable__row_clear(&r);
    done(s);
}

/* Two connections claim the same rows: each row is claimed once. */
static void case_claim_race(void)
{
    fresh("claim_race");
    durable__store *s = open_store(1000);
    enum { N = 40 };
    for (int i = 0; i < N; i++) {
        char id[8];
        snprintf(id, sizeof id, "r%02d", i);
        add(s, id, NULL, -1, DURABLE_READY);
    }
    /* Interleaved: A holds its claim uncommitted while B claims. */
    durable__store *b = open_store(200);
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->worker_beat(s, "A", INT64_MAX));
    CHECK_IDS(s->ops->claim(s, "A", 1000, 3, 0, IDS), "r00,r01,r02");
    int rc = b->ops->begin(b);
    if (rc == DURABLE_OK) { /* a server: B skips A's locked rows, at once */
        CHECK_OK(b->ops->worker_beat(b, "B", INT64_MAX));
        CHECK_IDS(b->ops->claim(b, "B", 1000, 3, 0, IDS), "r03,r04,r05");
        CHECK_OK(s->ops->commit(s));
        rc = b->ops->commit(b);
        if (rc != DURABLE_OK) { /* a serialization failure: redone */
            CHECK_RC(rc, DURABLE_EBUSY);
            b->ops->rollback(b);
            CHECK_OK(b->ops->begin(b));
            CHECK_OK(b->ops->worker_beat(b, "B", INT64_MAX));
            CHECK_IDS(b->ops->claim(b, "B", 1000, 3, 0, IDS), "r03,r04,r05");
            CHECK_OK(b->ops->commit(b));
        }
    } else { /* one writer at a time (SQLite) */
        CHECK_RC(rc, DURABLE_EBUSY);
        CHECK_OK(s->ops->commit(s));
        CHECK_OK(b->ops->begin(b));
        CHECK_OK(b->ops->worker_beat(b, "B", INT64_MAX));
        CHECK_IDS(b->ops->claim(b, "B", 1000, 3, 0, IDS), "r03,r04,r05");
        CHECK_OK(b->ops->commit(b));
    }
    b->ops->close(b);
    s->ops->close(s);

    /* Racing: two processes claim one row at a time until none is left. */
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        CHECK(kids[k] >= 0);
        if (kids[k] == 0) {
            close(fds[0]);
            durable__store *c = open_store(5000);
            char me[8];
            snprintf(me, sizeof me, "K%d", k);
            int empty = 0, tries = 0, claimed = 0, conflicts = 0;
            while (empty < 3 && tries++ < 10000) {
                char **ids;
                size_t n = 0;
                rc = c->ops->begin(c);
                if (rc == DURABLE_OK)
                    rc = c->ops->worker_beat(c, me, INT64_MAX);
                if (rc == DURABLE_OK)
                    rc = c->ops->claim(c, me, 1000, 1, 0, &ids, &n);
                if (rc == DURABLE_OK && (rc = c->ops->commit(c)) != DURABLE_OK) {
                    durable__ids_free(ids, n);
                    n = 0;
                }
                if (rc != DURABLE_OK) {
                    c->ops->rollback(c);
                    if (rc != DURABLE_EBUSY) {
                        fprintf(stderr, "%s: %s\n", me, durable_errname(rc));
                        _exit(1);
                    }
                    conflicts++;
                    continue;
                }
                empty = n == 0 ? empty + 1 : 0;
                claimed += (int)n;
                for (size_t i = 0; i < n; i++) {
                    char line[32];
                    int len = snprintf(line, sizeof line, "%s\n", ids[i]);
                    CHECK(write(fds[1], line, (size_t)len) == len);
                }
                durable__ids_free(ids, n);
            }
            c->ops->close(c);
            fprintf(stderr, "%s: %d rows claimed, %d rounds redone (EBUSY)\n", me, claimed, conflicts);
            _exit(0);
        }
    }
    close(fds[1]);
    int seen[N] = {0}, total = 0;
    FILE *in = fdopen(fds[0], "r");
    char line[32];
    while (fgets(line, sizeof line, in)) {
        int i = atoi(line + 1);
        CHECK(i >= 6 && i < N);
        seen[i]++;
        total++;
    }
    fclose(in);
    for (int k = 0; k < 2; k++) {
        int st;
        CHECK(waitpid(kids[k], &st, 0) == kids[k]);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    for (int i = 6; i < N; i++)
        CHECK_INT(seen[i], 1);
    CHECK_INT(total, N - 6);
    s = open_store(1000);
    done(s);
}

/* ---- timers ---- */

static void wait_at(durable__store *s, const char *id, int status, int attempt, int paused, int64_t wake)
{
    durable__row r;
    CHECK_OK(s->ops->get(s, id, &r));
    r.status = status;
    r.state = 1;
    r.attempt = attempt;
    r.wait_kind = attempt ? DURABLE__WAIT_RETRY : DURABLE__WAIT_TIMER;
    r.waiting_on = durable__strdup("x");
    CHECK_OK(durable__buf_put(&r.value, "v", 1));
    r.paused = paused;
    r.wake_ms = wake;
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->update(s, &r, DURABLE__W_STATUS | DURABLE__W_FRAME | DURABLE__W_TIMER | DURABLE__W_FLAGS));
    CHECK_OK(s->ops->commit(s));
    durable__row_clear(&r);
}

static void case_timers(void)
{
    fresh("timers");
    durable__store *s = open_store(1000);
    add(s, "sleep", NULL, -1, DURABLE_READY);
    add(s, "retry", NULL, -1, DURABLE_READY);
    add(s, "held", NULL, -1, DURABLE_READY);
    add(s, "paused", NULL, -1, DURABLE_READY);
    add(s, "late", NULL, -1, DURABLE_READY);
    int64_t due = -1;
    CHECK_OK(s->ops->next_due(s, &due));
    CHECK_INT(due, 0);
    wait_at(s, "sleep", DURABLE_WAITING, 0, 0, 100);
    wait_at(s, "retry", DURABLE_WAITING, 2, 0, 200);
    wait_at(s, "held", DURABLE_HELD, 0, 0, 150);
    wait_at(s, "paused", DURABLE_WAITING, 0, 1, 50);
    wait_at(s, "late", DURABLE_WAITING, 0, 0, 9000);
    CHECK_OK(s->ops->next_due(s, &due));
    CHECK_INT(due, 100); /* a paused timer does not count */
    int yes = 1;
    CHECK_OK(s->ops->has_work(s, "W", 99, &yes));
    CHECK_INT(yes, 0);
    CHECK_OK(s->ops->has_work(s, "W", 100, &yes));
    CHECK_INT(yes, 1);
    CHECK_OK(s->ops->begin(s));
    CHECK_IDS(s->ops->fire_timers(s, "W", 99, 10, IDS), "");
    CHECK_IDS(s->ops->fire_timers(s, "W", 1000, 10, IDS), "sleep,retry");
    CHECK_OK(s->ops->commit(s));
    durable__row r;
    CHECK_OK(s->ops->get(s, "sleep", &r));
    CHECK_INT(r.status, DURABLE_READY);
    CHECK_STR(r.owner, "W");
    CHECK_INT(r.ready, 1);
    CHECK_INT(r.wait_kind, 0);
    CHECK(r.waiting_on == NULL);
    CHECK_INT(r.value.n, 0);
    CHECK_INT(r.wake_ms, 0);
    durable__row_clear(&r);
    CHECK_OK(s->ops->get(s, "retry", &r));
    CHECK_INT(r.status, DURABLE_READY);
    CHECK_INT(r.ready, 0); /* the step is issued again */
    durable__row_clear(&r);
    CHECK_OK(s->ops->get(s, "held", &r));
    CHECK_INT(r.status, DURABLE_HELD); /* fired, but stays held */
    CHECK_INT(r.ready, 1);
    CHECK_INT(r.wake_ms, 0);
    durable__row_clear(&r);
    CHECK_OK(s->ops->get(s, "paused", &r));
    CHECK_INT(r.status, DURABLE_WAITING);
    CHECK_INT(r.wake_ms, 50);
    durable__row_clear(&r);
    CHECK_OK(s->ops->next_due(s, &due));
    CHECK_INT(due, 9000);
    /* the limit: one at a time */
    wait_at(s, "sleep", DURABLE_WAITING, 0, 0, 7000);
    CHECK_OK(s->ops->begin(s));
    CHECK_IDS(s->ops->fire_timers(s, "W", 10000, 1, IDS), "sleep");
    CHECK_IDS(s->ops->fire_timers(s, "W", 10000, 1, IDS), "late");
    CHECK_IDS(s->ops->fire_timers(s, "W", 10000, 1, IDS), "");
    CHECK_OK(s->ops->commit(s));
    CHECK_INT(count_rows("timers"), 1); /* the paused one */
    done(s);
}

/* ---- signals ---- */

static void take_is(durable__store *s, const char *id, const char *name, const char *want, size_t n)
{
    durable__buf b = {0};
    CHECK_OK(s->ops->take_signal(s, id, name, &b));
    CHECK_INT(b.n, n);
    CHECK(n == 0 || memcmp(b.p, want, n) == 0);
    durable__buf_free(&b);
}

static void case_signals(void)
{
    fresh("signals");
    durable__store *s = open_store(1000);
    add(s, "w", NULL, -1, DURABLE_READY);
    add(s, "v", NULL, -1, DURABLE_READY);
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->put_signal(s, "w", "go", "one", 3));
    CHECK_OK(s->ops->put_signal(s, "w", "stop", "x", 1));
    CHECK_OK(s->ops->put_signal(s, "w", "go", "two\0!", 5));
    CHECK_OK(s->ops->put_signal(s, "w", "go", NULL, 0));
    CHECK_OK(s->ops->put_signal(s, "v", "go", "v1", 2));
    CHECK_OK(s->ops->commit(s));
    CHECK_OK(s->ops->begin(s));
    take_is(s, "w", "go", "one", 3);
    take_is(s, "w", "go", "two\0!", 5);
    take_is(s, "w", "go", "", 0);
    durable__buf b = {0};
    CHECK_RC(s->ops->take_signal(s, "w", "go", &b), DURABLE_ENOENT);
    take_is(s, "w", "stop", "x", 1);
    CHECK_RC(s->ops->take_signal(s, "w", "stop", &b), DURABLE_ENOENT);
    CHECK_OK(s->ops->commit(s));
    CHECK_INT(count_rows("signals"), 1);
    /* a taken signal comes back if its transaction rolls back */
    CHECK_OK(s->ops->begin(s));
    take_is(s, "v", "go", "v1", 2);
    s->ops->rollback(s);
    take_is(s, "v", "go", "v1", 2);
    CHECK_RC(s->ops->take_signal(s, "v", "go", &b), DURABLE_ENOENT);
    durable__buf_free(&b);
    /* list: waiting on a signal of this name */
    durable__row r;
    CHECK_OK(s->ops->get(s, "w", &r));
    r.status = DURABLE_WAITING;
    r.wait_kind = DURABLE__WAIT_SIGNAL;
    r.waiting_on = durable__strdup("go");
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->update(s, &r, DURABLE__W_STATUS | DURABLE__W_FRAME));
    CHECK_OK(s->ops->commit(s));
    durable__row_clear(&r);
    CHECK_IDS(s->ops->list(s, 0, "go", IDS), "w");
    CHECK_IDS(s->ops->list(s, 0, "stop", IDS), "");
    done(s);
}

/* ---- history, meta, savepoints ---- */

static void case_history(void)
{
    fresh("history");
    durable__store *s = open_store(1000);
    add(s, "w", NULL, -1, DURABLE_READY);
    durable__event e = {"w", 0, 0, "start", 0, 0, NULL, 7};
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->append(s, &e));
    e.seq = 1;
    e.await_id = 1;
    e.what = "step";
    e.detail = "child-1";
    e.fingerprint = 0xffffffffffffffffull;
    CHECK_OK(s->ops->append(s, &e));
    CHECK_OK(s->ops->commit(s));
    CHECK_INT(count_rows("history"), 2);
    CHECK_OK(s->ops->begin(s));
    CHECK_RC(s->ops->append(s, &e), DURABLE_EEXIST); /* one line per checkpoint */
    s->ops->rollback(s);
    CHECK_INT(count_rows("history"), 2);
    done(s);
}

static void case_meta(void)
{
    fresh("meta");
    durable__store *s = open_store(1000);
    int64_t v = -1;
    CHECK_OK(s->ops->meta_get(s, "format", &v));
    CHECK_INT(v, 1);
    CHECK_RC(s->ops->meta_get(s, "virtual_now", &v), DURABLE_ENOENT);
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->meta_set(s, "virtual_now", 1764633600123));
    CHECK_OK(s->ops->commit(s));
    CHECK_OK(s->ops->meta_get(s, "virtual_now", &v));
    CHECK_INT(v, 1764633600123);
    CHECK_OK(s->ops->meta_set(s, "virtual_now", INT64_MIN)); /* outside a transaction */
    CHECK_OK(s->ops->meta_get(s, "virtual_now", &v));
    CHECK(v == INT64_MIN);
    /* a reopened store keeps it */
    s->ops->close(s);
    s = open_store(1000);
    CHECK_OK(s->ops->meta_get(s, "virtual_now", &v));
    CHECK(v == INT64_MIN);
    done(s);
}

static void case_savepoint(void)
{
    fresh("savepoint");
    durable__store *s = open_store(1000);
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->savepoint(s, 0));
    CHECK_OK(s->ops->meta_set(s, "a", 1));
    CHECK_OK(s->ops->savepoint(s, 2)); /* undone */
    CHECK_OK(s->ops->savepoint(s, 0));
    CHECK_OK(s->ops->meta_set(s, "b", 2));
    CHECK_OK(s->ops->savepoint(s, 1)); /* kept */
    CHECK_RC(s->ops->savepoint(s, 3), DURABLE_EINVAL);
    CHECK_OK(s->ops->commit(s));
    int64_t v;
    CHECK_RC(s->ops->meta_get(s, "a", &v), DURABLE_ENOENT);
    CHECK_OK(s->ops->meta_get(s, "b", &v));
    CHECK_INT(v, 2);
    done(s);
}

/* ---- purge ---- */

static void case_purge(void)
{
    fresh("purge");
    durable__store *s = open_store(1000);
    add(s, "old", NULL, -1, DURABLE_READY);
    add(s, "live", NULL, -1, DURABLE_READY);
    add(s, "kid", "live", 0, DURABLE_READY);
    add(s, "orphan", "old", 0, DURABLE_READY);
    set_status(s, "old", DURABLE_DONE, NULL);
    set_status(s, "kid", DURABLE_DONE, NULL);
    set_status(s, "orphan", DURABLE_FAILED, NULL);
    durable__event e = {"old", 0, 0, "start", 0, 0, NULL, 0};
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->append(s, &e));
    CHECK_OK(s->ops->put_signal(s, "old", "late", "x", 1));
    CHECK_OK(s->ops->commit(s));
    int count = -1;
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->purge(s, 0, &count)); /* nothing that old */
    CHECK_INT(count, 0);
    CHECK_OK(s->ops->purge(s, INT64_MAX, &count));
    CHECK_INT(count, 2); /* old and orphan: kid's parent is unfinished */
    CHECK_OK(s->ops->commit(s));
    durable__row r;
    CHECK_RC(s->ops->get(s, "old", &r), DURABLE_ENOENT);
    CHECK_RC(s->ops->get(s, "orphan", &r), DURABLE_ENOENT);
    CHECK_OK(s->ops->get(s, "kid", &r));
    durable__row_clear(&r);
    CHECK_INT(count_rows("history"), 0);
    CHECK_INT(count_rows("signals"), 0);
    CHECK_INT(count_rows("frames"), 2); /* live, kid (the purged rows' went with them) */
    CHECK_INT(count_rows("workflows"), 2);
    done(s);
}

/* ---- first opens ---- */

/* Four processes open a store that does not exist yet, at once: each opens
 * it, and its tables are made once. */
static void case_first_open_race(void)
{
    fresh("first_open_race");
    pid_t kids[4];
    for (int k = 0; k < 4; k++) {
        kids[k] = fork();
        CHECK(kids[k] >= 0);
        if (kids[k] == 0) {
            durable__store *s = open_store(10000);
            int64_t v = 0;
            CHECK_OK(s->ops->meta_get(s, "format", &v));
            CHECK_INT(v, 1);
            s->ops->close(s);
            _exit(0);
        }
    }
    for (int k = 0; k < 4; k++) {
        int st;
        CHECK(waitpid(kids[k], &st, 0) == kids[k]);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    CHECK_INT(count_rows("meta"), is_pg ? 2 : 3);
    durable__store *s = open_store(1000);
    done(s);
}

/* ---- changed ---- */

/* Whether `b` hears of a commit: a server delivers the news a moment after
 * the commit returns, so a "yes" is waited for (up to 5 s); a "no" is
 * checked after the same wait for any late news. */
static int changed_within(durable__store *b, int want)
{
    int yes = 0;
    for (int i = 0; i < 50; i++) {
        CHECK_OK(b->ops->changed(b, &yes));
        if (yes || (!want && i >= 3))
            break;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return yes;
}

static void case_changed(void)
{
    fresh("changed");
    durable__store *a = open_store(1000), *b = open_store(1000);
    int yes;
    CHECK_OK(b->ops->changed(b, &yes)); /* the first look reports a change */
    CHECK_INT(yes, 1);
    CHECK_INT(changed_within(b, 0), 0);
    add(a, "w", NULL, -1, DURABLE_READY);
    CHECK_INT(changed_within(b, 1), 1);
    CHECK_INT(changed_within(b, 0), 0); /* reported once */
    /* its own commits are not news to b */
    add(b, "v", NULL, -1, DURABLE_READY);
    CHECK_INT(changed_within(b, 0), 0);
    /* nor a rollback, nor a read */
    CHECK_OK(a->ops->begin(a));
    CHECK_OK(a->ops->meta_set(a, "k", 1));
    a->ops->rollback(a);
    durable__row r;
    CHECK_OK(a->ops->get(a, "v", &r));
    durable__row_clear(&r);
    CHECK_INT(changed_within(b, 0), 0);
    /* a signal is */
    CHECK_OK(a->ops->begin(a));
    CHECK_OK(a->ops->put_signal(a, "v", "go", "", 0));
    CHECK_OK(a->ops->commit(a));
    CHECK_INT(changed_within(b, 1), 1);
    /* and so is a write outside a transaction */
    CHECK_OK(a->ops->meta_set(a, "k", 2));
    CHECK_INT(changed_within(b, 1), 1);
    a->ops->close(a);
    done(b);
}

/* ---- PostgreSQL's opening refusals ---- */

#ifdef DURABLE_HAVE_PG
static int try_open(int *rc)
{
    durable_options o;
    durable_options_init(&o);
    durable__store *s = NULL;
    *rc = durable__store_pg_open(&s, where, &o);
    if (s)
        s->ops->close(s);
    return *rc;
}

static void case_refuse_newer(void)
{
    fresh("refuse_newer");
    durable__store *s = open_store(1000);
    s->ops->close(s);
    PGconn *c = pg_connect(where);
    pg_exec(c, "UPDATE durable.meta SET value = '2' WHERE key = 'format'");
    PQfinish(c);
    int rc;
    CHECK_RC(try_open(&rc), DURABLE_ENEWER);
    CHECK(strstr(durable_open_error(), "newer") != NULL);
    CHECK_INT(pg_int(where, "SELECT value::int FROM durable.meta WHERE key = 'format'"), 2);
    c = pg_connect(where);
    pg_exec(c, "UPDATE durable.meta SET value = 'one' WHERE key = 'format'");
    PQfinish(c);
    CHECK_RC(try_open(&rc), DURABLE_ECORRUPT);
    c = pg_connect(where);
    pg_exec(c, "DELETE FROM durable.meta WHERE key = 'format'");
    PQfinish(c);
    CHECK_RC(try_open(&rc), DURABLE_ECORRUPT);
    CHECK_INT(pg_int(where, "SELECT count(*) FROM durable.meta WHERE key = 'format'"), 0);
}

static void case_refuse_foreign(void)
{
    /* a schema durable of someone else's */
    fresh("refuse_foreign");
    PGconn *c = pg_connect(where);
    pg_exec(c, "CREATE SCHEMA durable; CREATE TABLE durable.accounts(id int); INSERT INTO durable.accounts VALUES (7)");
    PQfinish(c);
    int rc;
    CHECK_RC(try_open(&rc), DURABLE_ENOTDB);
    CHECK_INT(pg_int(where, "SELECT count(*) FROM pg_tables WHERE schemaname = 'durable'"), 1);
    CHECK_INT(pg_int(where, "SELECT id FROM durable.accounts"), 7);
    /* ours with a foreign table added */
    fresh("refuse_foreign");
    durable__store *s = open_store(1000);
    add(s, "w", NULL, -1, DURABLE_READY);
    s->ops->close(s);
    c = pg_connect(where);
    pg_exec(c, "CREATE TABLE durable.extra(x int)");
    PQfinish(c);
    CHECK_RC(try_open(&rc), DURABLE_ENOTDB);
    CHECK(strstr(durable_open_error(), "cannot open") != NULL);
    CHECK_INT(pg_int(where, "SELECT count(*) FROM durable.workflows"), 1);
    /* ours with a table missing: corrupt, and nothing is recreated */
    c = pg_connect(where);
    pg_exec(c, "DROP TABLE durable.extra; DROP TABLE durable.timers");
    PQfinish(c);
    CHECK_RC(try_open(&rc), DURABLE_ECORRUPT);
    CHECK_INT(pg_int(where, "SELECT count(*) FROM pg_tables WHERE schemaname = 'durable'"), 9);
}

static void case_refuse_no_server(void)
{
    /* a port nothing listens on: this server's port + 1, probed first */
    char db[64];
    snprintf(db, sizeof db, "postgres");
    uri_of(db, where, sizeof where);
    char *colon = strrchr(where, ':'), *slash = strchr(colon, '/');
    int port = atoi(colon + 1) + 1;
    char uri[1024];
    snprintf(uri, sizeof uri, "postgresql://postgres:secret@127.0.0.1:%d%s?connect_timeout=5", port, slash);
    PGconn *probe = PQconnectdb(uri);
    int nothing = PQstatus(probe) != CONNECTION_OK;
    PQfinish(probe);
    if (!nothing) {
        fprintf(stderr, "SKIP: port %d has a server\n", port);
        exit(77);
    }
    snprintf(where, sizeof where, "%s", uri);
    int rc;
    CHECK_RC(try_open(&rc), DURABLE_EIO);
    const char *msg = durable_open_error();
    fprintf(stderr, "durable_open_error: %s\n", msg);
    CHECK(strncmp(msg, "cannot open postgresql://postgres@127.0.0.1:", 44) == 0);
    CHECK(strstr(msg, "secret") == NULL);
    CHECK(strlen(msg) > 60); /* libpq's reason follows */
}
#endif

#ifdef DURABLE_HAVE_PG
/* The server ends the store's connection (as a restart or fail-over does):
 * every call of the transaction it was in returns DURABLE_EIO, none aborts;
 * nothing of that transaction committed; the next call outside it connects
 * again, and the store goes on (its statements prepared again, its LISTEN
 * too: a write of another connection is seen). */
static void case_lost_connection(void)
{
    fresh("lost_connection");
    durable__store *s = open_store(1000);
    add(s, "w", NULL, -1, DURABLE_READY);
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->worker_beat(s, "A", 5000));
    PGconn *c = pg_connect(where);
    pg_exec(c, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
               " WHERE datname = current_database() AND pid <> pg_backend_pid()");
    PQfinish(c);
    char **ids;
    size_t n = 7;
    CHECK_RC(s->ops->claim(s, "A", 1000, 10, 0, &ids, &n), DURABLE_EIO);
    CHECK_INT(n, 0);
    CHECK_RC(s->ops->commit(s), DURABLE_EIO);
    s->ops->rollback(s);
    /* nothing of the lost transaction committed */
    CHECK_INT(pg_int(where, "SELECT count(*) FROM durable.workers"), 0);
    CHECK_INT(pg_int(where, "SELECT count(*) FROM durable.workflows WHERE owner IS NULL"), 1);
    /* connected again */
    durable__row r;
    CHECK_OK(s->ops->get(s, "w", &r));
    CHECK(r.id && strcmp(r.id, "w") == 0 && r.owner == NULL);
    durable__row_clear(&r);
    int yes = 0;
    CHECK_OK(s->ops->changed(s, &yes));
    CHECK_INT(yes, 1); /* a new session: look at the store */
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->worker_beat(s, "A", 5000));
    CHECK_OK(s->ops->claim(s, "A", 1000, 10, 0, &ids, &n));
    CHECK_INT(n, 1);
    durable__ids_free(ids, n);
    CHECK_OK(s->ops->commit(s));
    CHECK_INT(pg_int(where, "SELECT count(*) FROM durable.workflows WHERE owner = 'A'"), 1);
    /* another connection's commit is noticed again */
    CHECK_OK(s->ops->changed(s, &yes));
    c = pg_connect(where);
    pg_exec(c, "INSERT INTO durable.meta VALUES ('news', '1'); NOTIFY durable_changed");
    PQfinish(c);
    for (int i = 0; i < 200 && !yes; i++) {
        CHECK_OK(s->ops->changed(s, &yes));
        if (!yes)
            nanosleep(&(struct timespec){0, 10000000L}, NULL);
    }
    CHECK_INT(yes, 1);
    s->ops->close(s);
}
#endif

/* ---- reading, for the `durable` tool (durable__read_ops) ---- */

/* The current case's store opened for reading only. */
static durable__store *open_reader(void)
{
    durable__store *s = NULL;
    char name[512], why[512];
    int rc = durable__store_open_read(&s, where, name, sizeof name, why, sizeof why);
    if (rc != DURABLE_OK) {
        fprintf(stderr, "open_read %s: %s (%s)\n", name, durable_errname(rc), why);
        exit(1);
    }
    CHECK(s->ops->read != NULL);
    return s;
}

static void add_fn(durable__store *s, const char *id, const char *fn, const char *parent, int spawn_idx, int status)
{
    durable__row r = {0};
    r.id = (char *)id;
    r.function = (char *)fn;
    r.parent = (char *)parent;
    r.spawn_idx = spawn_idx;
    r.status = status;
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->insert(s, &r));
    CHECK_OK(s->ops->commit(s));
}

/* Rewrite part `what` of row id with edit() applied. */
static void edit_row(durable__store *s, const char *id, int what, void (*edit)(durable__row *r))
{
    durable__row r;
    CHECK_OK(s->ops->get(s, id, &r));
    edit(&r);
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->update(s, &r, what));
    CHECK_OK(s->ops->commit(s));
    durable__row_clear(&r);
}

static void at_await_1(durable__row *r)
{
    r->status = DURABLE_WAITING;
    r->fingerprint = 0x8000000000000001ull;
    r->state = 1;
    r->wait_kind = DURABLE__WAIT_TIMER;
    r->wake_ms = 5000;
}

static void paused_flag(durable__row *r)
{
    r->paused = 1;
}

static void finished(durable__row *r)
{
    r->status = DURABLE_DONE;
    r->paused = 0;
}

/* The schema case_schema stores, with the members and result the tool needs. */
static const durable_field rd_members[] = {{"x", "int", DURABLE_KIND_INT, 0, 4, 1, 0, NULL, 0},
                                           {"y", "int", DURABLE_KIND_INT, 4, 4, 1, 0, NULL, 0}};
static const durable_field rd_fields[] = {{"i", "int", DURABLE_KIND_INT, 0, 4, 1, 10, NULL, 0},
                                          {"pt", "struct pt", DURABLE_KIND_STRUCT, 4, 8, 1, 11, rd_members, 2},
                                          {"name", "char *", DURABLE_KIND_STRING, 16, 8, 1, 12, NULL, 0}};
static const durable_field rd_params[] = {{"n", "long", DURABLE_KIND_INT, 0, 8, 1, 9, NULL, 0}};
static const durable_field rd_result = {"", "double", DURABLE_KIND_FLOAT, 0, 8, 1, 0, NULL, 0};
static const durable_field rd_value = {"", "int", DURABLE_KIND_INT, 0, 4, 1, 0, NULL, 0};
static const uint32_t rd_saves[] = {0, 2};
static const durable_await rd_awaits[] = {
    {1, DURABLE_AWAIT_STEP, "step", 20, &rd_value, 1, rd_saves, 2, "body/for.body", "step(i)"},
    {2, DURABLE_AWAIT_RUNTIME, "durable_sleep", 21, NULL, 0, NULL, 0, NULL, NULL},
};
static const durable_func rd_fn = {"fn", "fn.c", NULL, 24, 8, rd_fields, 3, rd_params, 1, &rd_result,
                                   rd_awaits, 2, 0x8000000000000001ull, NULL};

static void put_rd_schema(durable__store *s)
{
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->put_schema(s, &rd_fn));
    CHECK_OK(s->ops->commit(s));
}

/* What a listing called back with, as "id:status:paused:state:callee:line:spawn" lines. */
static char listed_text[4096];
static void collect_listed(void *ctx, const durable__listed *w)
{
    (void)ctx;
    char line[256];
    snprintf(line, sizeof line, "%s%s:%s:%d:%d:%s:%lld:%d:%s", listed_text[0] ? "," : "", w->id,
             durable_status_name(w->status), w->paused, w->state, w->callee ? w->callee : "-", (long long)w->line,
             w->spawn_idx, w->function);
    CHECK(w->created_ms > 0 && w->updated_ms >= w->created_ms);
    strcat(listed_text, line);
}

static const char *list_of(durable__store *r, unsigned statuses, const char *fn, int64_t offset, int64_t limit)
{
    durable__filter f = {statuses, fn};
    listed_text[0] = '\0';
    CHECK_OK(r->ops->read->list(r, &f, offset, limit, collect_listed, NULL));
    return listed_text;
}

static int64_t count_of(durable__store *r, unsigned statuses, const char *fn)
{
    durable__filter f = {statuses, fn};
    int64_t n = -1;
    CHECK_OK(r->ops->read->count(r, &f, &n));
    return n;
}

static const char *children_of(durable__store *r, const char *id)
{
    listed_text[0] = '\0';
    CHECK_OK(r->ops->read->children(r, id, collect_listed, NULL));
    return listed_text;
}

static char signals_text[512];
static void collect_signal(void *ctx, const char *name, size_t bytes, int64_t sent_ms)
{
    (void)ctx;
    char line[128];
    CHECK(sent_ms > 0);
    snprintf(line, sizeof line, "%s%s:%zu", signals_text[0] ? "," : "", name, bytes);
    strcat(signals_text, line);
}

#define B(st) (1u << (st))

static void case_read_list(void)
{
    fresh("read_list");
    durable__store *s = open_store(1000);
    put_rd_schema(s);
    add_fn(s, "a", "fn", NULL, -1, DURABLE_READY);
    add_fn(s, "b", "fn", NULL, -1, DURABLE_READY);
    add_fn(s, "c", "other", NULL, -1, DURABLE_READY);
    add_fn(s, "b/0", "other", "b", 0, DURABLE_READY);
    add_fn(s, "b/x", "fn", "b", -1, DURABLE_READY);
    edit_row(s, "b", DURABLE__W_STATUS | DURABLE__W_FRAME | DURABLE__W_TIMER, at_await_1);
    edit_row(s, "c", DURABLE__W_FLAGS, paused_flag);
    edit_row(s, "b/x", DURABLE__W_RESULT, finished);
    CHECK_OK(s->ops->put_signal(s, "b", "go", "abc", 3));
    CHECK_OK(s->ops->put_signal(s, "b", "stop", NULL, 0));
    s->ops->close(s);

    durable__store *r = open_reader();
    const durable__read_ops *rd = r->ops->read;
    CHECK_STR(list_of(r, 0, NULL, 0, -1), "a:ready:0:0:-:0:-1:fn,b:waiting:0:1:step:20:-1:fn,c:ready:1:0:-:0:-1:other,"
                                          "b/0:ready:0:0:-:0:0:other,b/x:done:0:-1:-:0:-1:fn");
    CHECK_STR(list_of(r, 0, NULL, 1, 2), "b:waiting:0:1:step:20:-1:fn,c:ready:1:0:-:0:-1:other");
    CHECK_STR(list_of(r, 0, NULL, 4, 10), "b/x:done:0:-1:-:0:-1:fn");
    CHECK_STR(list_of(r, 0, NULL, 9, -1), "");
    /* paused is a status of its own: c matches it and not "ready" */
    CHECK_STR(list_of(r, B(DURABLE_READY), NULL, 0, -1), "a:ready:0:0:-:0:-1:fn,b/0:ready:0:0:-:0:0:other");
    CHECK_STR(list_of(r, B(DURABLE_PAUSED), NULL, 0, -1), "c:ready:1:0:-:0:-1:other");
    CHECK_STR(list_of(r, B(DURABLE_WAITING) | B(DURABLE_DONE), NULL, 0, -1),
              "b:waiting:0:1:step:20:-1:fn,b/x:done:0:-1:-:0:-1:fn");
    CHECK_STR(list_of(r, 0, "other", 0, -1), "c:ready:1:0:-:0:-1:other,b/0:ready:0:0:-:0:0:other");
    CHECK_STR(list_of(r, B(DURABLE_READY), "other", 0, 1), "b/0:ready:0:0:-:0:0:other");
    CHECK_STR(list_of(r, B(DURABLE_FAILED), NULL, 0, -1), "");
    CHECK_INT(count_of(r, 0, NULL), 5);
    CHECK_INT(count_of(r, B(DURABLE_READY) | B(DURABLE_PAUSED), NULL), 3);
    CHECK_INT(count_of(r, 0, "fn"), 3);
    CHECK_INT(count_of(r, B(DURABLE_HELD), "fn"), 0);

    CHECK_STR(children_of(r, "b"), "b/0:ready:0:0:-:0:0:other,b/x:done:0:-1:-:0:-1:fn");
    CHECK_STR(children_of(r, "a"), "");

    durable__detail d;
    CHECK_RC(rd->workflow(r, "nope", &d), DURABLE_ENOENT);
    CHECK_OK(rd->workflow(r, "b", &d));
    CHECK_STR(d.row.id, "b");
    CHECK_INT(d.row.status, DURABLE_WAITING);
    CHECK_INT(d.row.state, 1);
    CHECK_INT(d.row.wait_kind, DURABLE__WAIT_TIMER);
    CHECK(d.row.fingerprint == 0x8000000000000001ull);
    CHECK_INT(d.row.wake_ms, 5000);
    CHECK(d.has_frame && d.has_timer);
    CHECK(d.created_ms > 0 && d.updated_ms > d.created_ms);
    durable__row_clear(&d.row);
    CHECK_OK(rd->workflow(r, "b/x", &d));
    CHECK(!d.has_frame && !d.has_timer);
    CHECK_INT(d.row.status, DURABLE_DONE);
    CHECK_STR(d.row.parent, "b");
    durable__row_clear(&d.row);
    CHECK_OK(rd->workflow(r, "c", &d));
    CHECK(d.has_frame && !d.has_timer && d.row.paused);
    durable__row_clear(&d.row);

    signals_text[0] = '\0';
    CHECK_OK(rd->signals(r, "b", collect_signal, NULL));
    CHECK_STR(signals_text, "go:3,stop:0");
    signals_text[0] = '\0';
    CHECK_OK(rd->signals(r, "a", collect_signal, NULL));
    CHECK_STR(signals_text, "");
    r->ops->close(r);
    done(open_store(1000));
}

static char history_text[4096];
static void collect_history(void *ctx, const durable__history_row *h)
{
    (void)ctx;
    char line[256];
    snprintf(line, sizeof line, "%s%s/%s:%lld:%d:%s:%d:%d:%s:%lld:%s", history_text[0] ? "," : "", h->workflow,
             h->function ? h->function : "-", (long long)h->checkpoint, h->await_id, h->event, h->attempt,
             h->error_code, h->detail ? h->detail : "-", (long long)h->at_ms, h->has_fingerprint ? "fp" : "nofp");
    if (h->has_fingerprint && h->fingerprint == 0xffffffffffffffffull)
        strcat(line, "=max");
    strcat(history_text, line);
}

static const char *history_of(durable__store *r, const char *id, int64_t offset, int64_t limit)
{
    history_text[0] = '\0';
    CHECK_OK(r->ops->read->history(r, id, offset, limit, collect_history, NULL));
    return history_text;
}

static void case_read_history(void)
{
    fresh("read_history");
    durable__store *s = open_store(1000);
    add_fn(s, "w", "fn", NULL, -1, DURABLE_READY);
    add_fn(s, "v", "gn", NULL, -1, DURABLE_READY);
    durable__event e = {"w", 0, 0, "start", 0, 0, NULL, 7};
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->append(s, &e));
    e.seq = 1, e.await_id = 1, e.what = "step", e.attempt = 2, e.error_code = -16, e.detail = "card declined";
    e.fingerprint = 0xffffffffffffffffull;
    CHECK_OK(s->ops->append(s, &e));
    e.seq = 2, e.await_id = 2, e.what = "sleep", e.attempt = 0, e.error_code = 0, e.detail = NULL;
    CHECK_OK(s->ops->append(s, &e));
    durable__event g = {"ghost", 0, 0, "start", 0, 0, NULL, 7}; /* its row purged */
    CHECK_OK(s->ops->append(s, &g));
    durable__event v = {"v", 0, 0, "start", 0, 0, NULL, 9};
    CHECK_OK(s->ops->append(s, &v));
    CHECK_OK(s->ops->commit(s));
    s->ops->close(s);

    durable__store *r = open_reader();
    /* at_ms: the ticks clock of the writer, 10 ms apart */
    const char *all = history_of(r, "w", 0, -1);
    CHECK(strstr(all, "w/fn:0:0:start:0:0:-:") == all);
    CHECK(strstr(all, ",w/fn:1:1:step:2:-16:card declined:") != NULL);
    CHECK(strstr(all, ":fp=max,w/fn:2:2:sleep:0:0:-:") != NULL);
    CHECK_STR(strrchr(history_of(r, "w", 1, 1), ':'), ":fp=max");
    CHECK(strncmp(history_of(r, "w", 1, 1), "w/fn:1:1:step", 13) == 0);
    CHECK(strncmp(history_of(r, "w", 2, 5), "w/fn:2:2:sleep", 14) == 0);
    CHECK_STR(history_of(r, "w", 3, -1), "");
    CHECK(strncmp(history_of(r, "ghost", 0, -1), "ghost/-:0:0:start", 17) == 0);
    CHECK_STR(history_of(r, "nobody", 0, -1), "");
    /* every workflow's, by workflow then checkpoint */
    all = history_of(r, NULL, 0, -1);
    const char *gh = strstr(all, "ghost/-:0"), *v0 = strstr(all, "v/gn:0"), *w0 = strstr(all, "w/fn:0"),
               *w2 = strstr(all, "w/fn:2");
    CHECK(gh == all && v0 > gh && w0 > v0 && w2 > w0);
    r->ops->close(r);
    done(open_store(1000));
}

static uint64_t fp_seen;
static char counts_text[512];
static void collect_count(void *ctx, const durable__count_row *c)
{
    (void)ctx;
    CHECK(strlen(counts_text) < sizeof counts_text - 64);
    char line[64];
    snprintf(line, sizeof line, "%s:%s:%d:%lld;", c->function, durable_status_name(c->status), c->paused,
             (long long)c->n);
    strcat(counts_text, line);
}

static void case_read_schema(void)
{
    fresh("read_schema");
    durable__store *s = open_store(1000);
    put_rd_schema(s);
    durable_func other = rd_fn;
    other.fingerprint = 5; /* sorts after 0x8000000000000001 as a signed number */
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->put_schema(s, &other));
    CHECK_OK(s->ops->commit(s));
    add_fn(s, "a", "fn", NULL, -1, DURABLE_READY);
    add_fn(s, "b", "fn", NULL, -1, DURABLE_READY);
    add_fn(s, "c", "gn", NULL, -1, DURABLE_READY);
    edit_row(s, "b", DURABLE__W_FLAGS, paused_flag);
    edit_row(s, "c", DURABLE__W_RESULT, finished);
    s->ops->close(s);

    durable__store *r = open_reader();
    const durable__read_ops *rd = r->ops->read;
    durable__schema_view v;
    CHECK_RC(rd->schema(r, 77, &v), DURABLE_ENOENT);
    CHECK_OK(rd->schema(r, rd_fn.fingerprint, &v));
    CHECK(v.fingerprint == rd_fn.fingerprint);
    CHECK_STR(v.function, "fn");
    CHECK_STR(v.file, "fn.c");
    CHECK_INT(v.frame_size, 24);
    CHECK_INT(v.args_size, 8);
    CHECK(v.fields_ok && v.params_ok && v.result_ok);
    CHECK_INT(v.nfields, 3);
    CHECK_STR(v.fields[1].name, "pt");
    CHECK_INT(v.fields[1].nmembers, 2); /* members linked under their struct */
    CHECK_STR(v.fields[1].members[1].name, "y");
    CHECK_INT(v.fields[1].members[1].offset, 4);
    CHECK_INT(v.fields[2].line, 12);
    CHECK_INT(v.nparams, 1);
    CHECK_STR(v.params[0].type, "long");
    CHECK_INT(v.nresult, 1);
    CHECK_STR(v.result[0].type, "double");
    CHECK_INT(v.result[0].size, 8);
    CHECK_INT(v.nawaits, 2);
    const durable__await_view *a = durable__schema_view_await(&v, 1);
    CHECK(a != NULL);
    CHECK_STR(a->callee, "step");
    CHECK_INT(a->kind, DURABLE_AWAIT_STEP);
    CHECK_INT(a->line, 20);
    CHECK_INT(a->checks_error, 1);
    CHECK_STR(a->value_type, "int");
    CHECK_INT(a->value_size, 4);
    CHECK_INT(a->nsaves, 2);
    CHECK_INT(a->saves[1], 2);
    CHECK_STR(a->place, "body/for.body");
    CHECK_STR(a->text, "step(i)");
    a = durable__schema_view_await(&v, 2);
    CHECK(a != NULL && a->place == NULL && a->text == NULL && a->nsaves == 0);
    CHECK_STR(a->value_type, "");
    CHECK(durable__schema_view_await(&v, 3) == NULL);
    durable__schema_view_free(&v);

    uint64_t *fps;
    size_t n;
    CHECK_OK(rd->fingerprints(r, "fn", &fps, &n));
    CHECK_INT(n, 2);
    CHECK(fps[0] == 0x8000000000000001ull && fps[1] == 5);
    free(fps);
    CHECK_OK(rd->fingerprints(r, "nofn", &fps, &n));
    CHECK_INT(n, 0);
    free(fps);

    counts_text[0] = '\0';
    CHECK_OK(rd->counts(r, collect_count, NULL));
    CHECK(strstr(counts_text, "fn:ready:0:1;") && strstr(counts_text, "fn:ready:1:1;") &&
          strstr(counts_text, "gn:done:0:1;"));
    CHECK_INT(strlen(counts_text), strlen("fn:ready:0:1;fn:ready:1:1;gn:done:0:1;"));
    r->ops->close(r);

    /* damaged rows: a size out of range, a member's parent after it, bad saves:
     * the roles they touch are refused, the rest still reads */
    backdoor("UPDATE durable_schemas SET frame_size = 5000000000 WHERE fingerprint = 5;"
             "UPDATE durable_schema_fields SET parent = 9 WHERE fingerprint = 5 AND name = 'y';"
             "UPDATE durable_schema_awaits SET saves = '0,x' WHERE fingerprint = 5 AND id = 1",
             "UPDATE durable.schemas SET frame_size = 5000000000 WHERE fingerprint = 5;"
             "UPDATE durable.schema_fields SET parent = 9 WHERE fingerprint = 5 AND name = 'y';"
             "UPDATE durable.schema_awaits SET saves = '0,x' WHERE fingerprint = 5 AND id = 1");
    r = open_reader();
    CHECK_OK(r->ops->read->schema(r, 5, &v));
    CHECK(!v.fields_ok && !v.params_ok && v.result_ok);
    CHECK_INT(durable__schema_view_await(&v, 1)->nsaves, -1);
    fp_seen = v.fingerprint;
    CHECK(fp_seen == 5);
    durable__schema_view_free(&v);
    r->ops->close(r);
    done(open_store(1000));
}

static void case_read_open(void)
{
    fresh("read_open");
    durable__store *s = NULL;
    char name[512], why[512];
    /* nothing there: refused, and nothing made */
    CHECK(durable__store_open_read(&s, where, name, sizeof name, why, sizeof why) != DURABLE_OK);
    CHECK(s == NULL);
    if (is_pg) {
#ifdef DURABLE_HAVE_PG
        CHECK(strstr(why, "not a durable database") != NULL);
        CHECK_INT(pg_int(where, "SELECT count(*) FROM pg_namespace WHERE nspname = 'durable'"), 0);
#endif
    } else {
        CHECK(strstr(why, "cannot open: No such file or directory") == why);
        CHECK(access(where, F_OK) != 0);
    }
    CHECK(strstr(name, "read_open") != NULL);
    s = open_store(1000);
    add(s, "w", NULL, -1, DURABLE_READY);
    s->ops->close(s);
    if (!is_pg) { /* a file left complete (no -wal): read immutable, nothing created beside it */
        char side[1100];
        snprintf(side, sizeof side, "%s-wal", where);
        CHECK(access(side, F_OK) != 0);
        durable__store *r = open_reader();
        CHECK_INT(count_of(r, 0, NULL), 1);
        CHECK(access(side, F_OK) != 0);
        snprintf(side, sizeof side, "%s-shm", where);
        CHECK(access(side, F_OK) != 0);
        r->ops->close(r);
        /* someone else's SQLite file */
        backdoor("PRAGMA application_id = 7", "");
        CHECK_RC(durable__store_open_read(&r, where, name, sizeof name, why, sizeof why), DURABLE_ENOTDB);
        CHECK_STR(why, "not a durable database");
        backdoor("PRAGMA application_id = 1146442307; PRAGMA user_version = 2", "");
        CHECK_RC(durable__store_open_read(&r, where, name, sizeof name, why, sizeof why), DURABLE_ENOTDB);
        CHECK_STR(why, "written by a newer format version of libdurable");
        backdoor("PRAGMA user_version = 1", "");
    } else {
#ifdef DURABLE_HAVE_PG
        /* the session is read-only: not even a table of its own */
        durable__store *r = open_reader();
        PGconn *c = durable__store_pg_handle(r);
        CHECK(c != NULL);
        PGresult *res = PQexec(c, "CREATE TABLE durable.mine(x int)");
        CHECK(PQresultStatus(res) == PGRES_FATAL_ERROR);
        CHECK(strstr(PQresultErrorMessage(res), "read-only") != NULL);
        PQclear(res);
        r->ops->close(r);
        backdoor("", "UPDATE durable.meta SET value = '2' WHERE key = 'format'");
        CHECK_RC(durable__store_open_read(&r, where, name, sizeof name, why, sizeof why), DURABLE_ENEWER);
        CHECK_STR(why, "written by a newer format version of libdurable");
        backdoor("", "UPDATE durable.meta SET value = '1' WHERE key = 'format'; CREATE TABLE durable.mine(x int)");
        CHECK_RC(durable__store_open_read(&r, where, name, sizeof name, why, sizeof why), DURABLE_ENOTDB);
        CHECK(strstr(why, "not a durable database") == why);
        /* a password is never in the name */
        char uri[1200];
        const char *at = strstr(where, "://");
        snprintf(uri, sizeof uri, "postgresql://postgres:s3cret@%s", strchr(at + 3, '@') + 1);
        why[0] = '\0';
        if (durable__store_open_read(&r, uri, name, sizeof name, why, sizeof why) == DURABLE_OK)
            r->ops->close(r); /* the server trusts loopback: the password is not asked for */
        CHECK(strstr(name, "postgresql://postgres@") == name);
        CHECK(strstr(name, "s3cret") == NULL && strstr(why, "s3cret") == NULL);
        backdoor("", "DROP TABLE durable.mine");
#endif
    }
    durable__store *r = open_reader();
    CHECK_INT(count_of(r, 0, NULL), 1);
    r->ops->close(r);
    done(open_store(1000));
}

static const struct test_case cases[] = {
    {"rows", case_rows},
    {"children", case_children},
    {"schema", case_schema},
    {"claim", case_claim},
    {"claim_race", case_claim_race},
    {"timers", case_timers},
    {"signals", case_signals},
    {"history", case_history},
    {"meta", case_meta},
    {"savepoint", case_savepoint},
    {"purge", case_purge},
    {"changed", case_changed},
    {"first_open_race", case_first_open_race},
    {"read_list", case_read_list},
    {"read_history", case_read_history},
    {"read_schema", case_read_schema},
    {"read_open", case_read_open},
#ifdef DURABLE_HAVE_PG
    {"refuse_newer", case_refuse_newer},
    {"refuse_foreign", case_refuse_foreign},
    {"refuse_no_server", case_refuse_no_server},
    {"lost_connection", case_lost_connection},
#endif
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s CASE|all TARGET\n", argv[0]);
        return 2;
    }
    target = argv[2];
    if (strcmp(target, "pg") == 0 && !(target = getenv("DURABLE_PG_URI"))) {
        fprintf(stderr, "%s: DURABLE_PG_URI is not set (run it under pg_server.sh)\n", argv[0]);
        return 2;
    }
    is_pg = strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0;
#ifndef DURABLE_HAVE_PG
    if (is_pg) {
        printf("SKIP: built without libpq\n");
        return 77;
    }
#endif
    int all = strcmp(argv[1], "all") == 0, ran = 0;
    for (const struct test_case *c = cases; c->name; c++) {
        if (!all && strcmp(c->name, argv[1]) != 0)
            continue;
        int pg_only = strncmp(c->name, "refuse_", 7) == 0 || strcmp(c->name, "lost_connection") == 0;
        if (all && !is_pg && pg_only)
            continue;
        if (!is_pg && pg_only) {
            printf("SKIP: %s is PostgreSQL's\n", c->name);
            return 77;
        }
        c->fn();
        printf("ok %s\n", c->name);
        fflush(stdout);
        ran++;
    }
    if (!ran) {
        fprintf(stderr, "unknown case %s\n", argv[1]);
        return 2;
    }
    return 0;
}

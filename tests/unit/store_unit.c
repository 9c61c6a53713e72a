/*
 * store_unit.c — the SQLite store's row writes seen through store.h: each
 * DURABLE__W_* part writes its own columns and leaves the others as they
 * were; and the encodings both stores share (store_common.c).  One ctest
 * entry per case: `store_unit CASE`.
 */
#include "check.h"
#include "store.h"
#include "testdb.h"

#include <unistd.h>

static char db[256];

static durable__store *fresh(void)
{
    snprintf(db, sizeof db, "/tmp/durable-store-unit-%d.db", (int)getpid());
    testdb_remove(db);
    durable_options o;
    durable_options_init(&o);
    durable__store *s;
    CHECK_OK(durable__store_sqlite_open(&s, db, &o));
    durable__row r = {0};
    r.id = "w";
    r.function = "f";
    r.status = DURABLE_READY;
    r.spawn_idx = 3;
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->insert(s, &r));
    CHECK_OK(s->ops->commit(s));
    return s;
}

/* Marking a spawned child collected (what durable_any does) keeps the
 * paused and cancel flags an operator set on it. */
static void case_collected_keeps_flags(void)
{
    durable__store *s = fresh();
    durable__row r;
    CHECK_OK(s->ops->get(s, "w", &r));
    r.paused = 1;
    r.cancel = 2;
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->update(s, &r, DURABLE__W_FLAGS));
    durable__row_clear(&r);
    durable__row c = {0}; /* as the scheduler builds it: the id and the flag */
    c.id = "w";
    c.collected = 1;
    CHECK_OK(s->ops->update(s, &c, DURABLE__W_COLLECTED));
    CHECK_OK(s->ops->commit(s));
    int cancel = -1, paused = -1;
    CHECK_OK(s->ops->flags(s, "w", &cancel, &paused));
    CHECK_INT(paused, 1);
    CHECK_INT(cancel, 2);
    CHECK_OK(s->ops->get(s, "w", &r));
    CHECK_INT(r.collected, 1);
    CHECK_INT(r.spawn_idx, 3);
    durable__row_clear(&r);
    s->ops->close(s);
    testdb_remove(db);
}

/* And setting the operator's flags leaves collected alone. */
static void case_flags_keep_collected(void)
{
    durable__store *s = fresh();
    durable__row c = {0};
    c.id = "w";
    c.collected = 1;
    CHECK_OK(s->ops->begin(s));
    CHECK_OK(s->ops->update(s, &c, DURABLE__W_COLLECTED));
    durable__row f = {0};
    f.id = "w";
    f.paused = 1;
    CHECK_OK(s->ops->update(s, &f, DURABLE__W_FLAGS));
    CHECK_OK(s->ops->commit(s));
    durable__row r;
    CHECK_OK(s->ops->get(s, "w", &r));
    CHECK_INT(r.collected, 1);
    CHECK_INT(r.paused, 1);
    durable__row_clear(&r);
    s->ops->close(s);
    testdb_remove(db);
}

/* A status is stored as its public name and read back as itself; text
 * that is no status reads as 0, which a row reader then refuses. */
static void case_status_encoding(void)
{
    for (int st = DURABLE_READY; st <= DURABLE_HELD; st++) {
        CHECK_STR(durable__status_text(st), durable_status_name(st));
        CHECK_INT(durable__status_parse(durable__status_text(st)), st);
    }
    CHECK(durable__status_text(DURABLE_PAUSED) == NULL); /* a flag, never a stored status */
    CHECK(durable__status_text(0) == NULL);
    CHECK_INT(durable__status_parse("paused"), 0);
    CHECK_INT(durable__status_parse("Ready"), 0);
    CHECK_INT(durable__status_parse(""), 0);
    CHECK_INT(durable__status_parse(NULL), 0);
}

/* An await's saves column: "0,2,3"; anything else is a corrupt schema. */
static void case_saves_encoding(void)
{
    durable__schema_await a;
    CHECK_OK(durable__schema_parse_saves(&a, "0,2,3"));
    CHECK_INT(a.nsaves, 3);
    CHECK_INT(a.saves[0], 0);
    CHECK_INT(a.saves[2], 3);
    free(a.saves);
    CHECK_OK(durable__schema_parse_saves(&a, ""));
    CHECK_INT(a.nsaves, 0);
    CHECK(a.saves == NULL);
    CHECK_OK(durable__schema_parse_saves(&a, NULL));
    CHECK_INT(a.nsaves, 0);
    static const char *const bad[] = {"1,,2", ",1", "1,", "x", "1;2", "4294967296", "-1", "1 2"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_INT(durable__schema_parse_saves(&a, bad[i]), DURABLE_ECORRUPT);
        CHECK(a.saves == NULL && a.nsaves == 0);
    }
}

int main(int argc, char **argv)
{
    static const struct test_case cases[] = {
        {"collected_keeps_flags", case_collected_keeps_flags},
        {"flags_keep_collected", case_flags_keep_collected},
        {"status_encoding", case_status_encoding},
        {"saves_encoding", case_saves_encoding},
        {NULL, NULL},
    };
    return run_case(cases, argc, argv);
}

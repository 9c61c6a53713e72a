/*
 * store_pg.c — the storage interface (store.h) on a PostgreSQL server, over
 * libpq.  Built only when libpq is found (DURABLE_HAVE_PG); without it this
 * file compiles to nothing.
 *
 * Tables live in their own schema, `durable` (docs/storage.md has every
 * column): meta, schemas, schema_fields, schema_awaits, workflows, frames,
 * timers, signals, workers, history — the SQLite file's tables without the
 * durable_ prefix, with the same columns and the encodings of store.h
 * (statuses as their DURABLE__ST_* names, wait kinds as DURABLE__WAIT_*
 * numbers, frames and values as the codec's blobs in bytea).  workflows.ord and signals.seq
 * are identity columns: the creation order SQLite takes from its rowid.
 *
 * Opening never harms a database that is not ours.  In one transaction,
 * under a transaction-level advisory lock (two first opens do not race):
 * the relations in schema `durable` are listed first; a name that is not one
 * of our tables (or tables without our meta table) refuses the database with
 * DURABLE_ENOTDB before anything is written; a meta row `format` above
 * FORMAT_VERSION refuses it with DURABLE_ENEWER, a missing or malformed one
 * with DURABLE_ECORRUPT.  An absent or empty schema gets our tables and meta
 * rows.  Every statement is then prepared (PQprepare) on the connection: one
 * that fails (a table or column not as we made it) is DURABLE_ECORRUPT, and
 * the transaction is rolled back, so a refused database is left as it was.
 *
 * Isolation: every transaction the scheduler opens (begin) is SERIALIZABLE,
 * so a round is serializable against every other writer, as BEGIN IMMEDIATE
 * makes it on SQLite.  A conflict (serialization failure, deadlock, a lock
 * not granted within busy_timeout_ms) is DURABLE_EBUSY, at any statement or
 * at COMMIT; the scheduler then drops what it holds in memory and redoes the
 * round from the store (round.c, I5).  Claims and timer firing lock the rows
 * they take with FOR UPDATE SKIP LOCKED, so two workers claiming at once take
 * different rows instead of waiting for each other.
 *
 * `changed` is a LISTEN/NOTIFY channel, `durable_changed`: the connection
 * LISTENs from its open on, and a transaction that wrote anything sends
 * NOTIFY in the same transaction just before COMMIT (a write outside a
 * transaction sends it at once).  A notification is delivered only if that
 * transaction commits, and ours are recognised by their backend pid and
 * ignored — so `changed` reports what SQLite's data_version does: another
 * connection committed a write (a moment after that commit returns: the
 * server hands the notification to this connection when it is idle).
 * Every statement takes the notifications libpq has read and keeps only a
 * flag, so they do not pile up in a connection that never asks.  A version counter row was not
 * chosen because every commit would update one row, serialising all writers
 * on it (and making every SERIALIZABLE round conflict with every other);
 * the channel also lets a worker block on the socket for a wake-up
 * (issue 12), which a counter cannot.  The first call reports a change.
 *
 * Errors: a lost connection (or any failure without an SQLSTATE) is
 * DURABLE_EIO; SQLSTATE class 40 and lock_not_available DURABLE_EBUSY; a
 * constraint (class 23) DURABLE_EEXIST; out_of_memory DURABLE_ENOMEM; an
 * undefined table or column DURABLE_ECORRUPT; class 54 DURABLE_ELIMIT;
 * everything else DURABLE_EIO.  Nothing aborts.  A COMMIT that the server
 * answers with ROLLBACK (the transaction had failed) returns the code of the
 * statement that failed in it.  A lost connection makes the calls of the
 * transaction it was in return DURABLE_EIO; the next call outside one
 * connects again (live).
 *
 * Options: busy_timeout_ms is the session's lock_timeout; DURABLE_SYNC_NORMAL
 * sets synchronous_commit = off for the session (a server crash may lose the
 * last commits, never corrupt), DURABLE_SYNC_FULL keeps the server's setting.
 */
#ifdef DURABLE_HAVE_PG

#include "store.h"

#include <dlfcn.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* libpq is loaded (dlopen) when a URI is first opened, not linked: a program
 * that only opens SQLite files neither needs libpq installed nor pays for
 * loading it and the libraries it pulls in (ssl, krb5, ldap: about 8 ms at
 * every process start here).  Only its headers are needed to build.  The
 * functions this file calls, each through a pointer of its own type: */
#define DURABLE__PQ_FUNCS(X) \
    X(PQclear) \
    X(PQgetvalue) \
    X(PQntuples) \
    X(PQgetisnull) \
    X(PQexec) \
    X(PQstatus) \
    X(PQtransactionStatus) \
    X(PQresultStatus) \
    X(PQprepare) \
    X(PQcmdStatus) \
    X(PQsetNoticeProcessor) \
    X(PQresultErrorField) \
    X(PQnotifies) \
    X(PQgetlength) \
    X(PQfreemem) \
    X(PQfinish) \
    X(PQexecPrepared) \
    X(PQerrorMessage) \
    X(PQconsumeInput) \
    X(PQconnectdb) \
    X(PQreset) \
    X(PQcmdTuples) \
    X(PQbackendPID)

static struct {
#define X(f) __typeof__(f) *f_##f;
    DURABLE__PQ_FUNCS(X)
#undef X
} durable__pq;
static pthread_once_t pq_once = PTHREAD_ONCE_INIT;
static char pq_missing[256]; /* why libpq could not be loaded */
static int pq_ok;            /* it was, with every function */

static void pq_load(void)
{
    void *h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(pq_missing, sizeof pq_missing, "%s (install libpq5)", e ? e : "libpq.so.5 not found");
        return;
    }
    void *sym;
#define X(f)                                                                              \
    if (!(sym = dlsym(h, #f))) {                                                          \
        snprintf(pq_missing, sizeof pq_missing, "libpq.so.5 has no %s: too old a libpq", #f); \
        dlclose(h);                                                                       \
        return;                                                                           \
    }                                                                                     \
    memcpy(&durable__pq.f_##f, &sym, sizeof sym); /* ISO C has no object-to-function cast */
    DURABLE__PQ_FUNCS(X)
#undef X
    pq_ok = 1;
}

#define PQclear (durable__pq.f_PQclear)
#define PQgetvalue (durable__pq.f_PQgetvalue)
#define PQntuples (durable__pq.f_PQntuples)
#define PQgetisnull (durable__pq.f_PQgetisnull)
#define PQexec (durable__pq.f_PQexec)
#define PQstatus (durable__pq.f_PQstatus)
#define PQreset (durable__pq.f_PQreset)
#define PQtransactionStatus (durable__pq.f_PQtransactionStatus)
#define PQresultStatus (durable__pq.f_PQresultStatus)
#define PQprepare (durable__pq.f_PQprepare)
#define PQcmdStatus (durable__pq.f_PQcmdStatus)
#define PQsetNoticeProcessor (durable__pq.f_PQsetNoticeProcessor)
#define PQresultErrorField (durable__pq.f_PQresultErrorField)
#define PQnotifies (durable__pq.f_PQnotifies)
#define PQgetlength (durable__pq.f_PQgetlength)
#define PQfreemem (durable__pq.f_PQfreemem)
#define PQfinish (durable__pq.f_PQfinish)
#define PQexecPrepared (durable__pq.f_PQexecPrepared)
#define PQerrorMessage (durable__pq.f_PQerrorMessage)
#define PQconsumeInput (durable__pq.f_PQconsumeInput)
#define PQconnectdb (durable__pq.f_PQconnectdb)
#define PQcmdTuples (durable__pq.f_PQcmdTuples)
#define PQbackendPID (durable__pq.f_PQbackendPID)

#define FORMAT_VERSION 1
#define CHANNEL "durable_changed"

enum {
    S_PUT_SCHEMA, S_PUT_FIELD, S_PUT_AWAIT,
    S_INSERT_WF, S_INSERT_FRAME,
    S_SET_STATUS, S_SET_FRAME, S_GET_FLAGS, S_SET_FLAGS, S_SET_COLLECTED, S_SET_TIMER, S_DEL_TIMER, S_SET_RESULT, S_DEL_FRAME,
    S_APPEND, S_GET, S_GET_SPAWNED, S_LIST_STATUS, S_LIST_WAITING, S_FAMILY, S_SPAWNS, S_SPAWN_NEXT,
    S_FIRE, S_CLAIM, S_HAS_WORK, S_NEXT_DUE, S_COUNT,
    S_BEAT, S_WORKERS, S_DROP_WORKER,
    S_PUT_SIGNAL, S_TAKE_SIGNAL, S_META_GET, S_META_SET,
    S_SCHEMA, S_SCHEMA_FIELDS, S_SCHEMA_AWAITS, S_SET_ARGS, S_PURGE,
    S_COUNT_OF_STATEMENTS
};

#define ROW_SELECT                                                                                  \
    "SELECT w.id, w.function, w.parent, w.spawn_idx, w.collected, w.status, w.owner, w.error_code," \
    " w.error, w.args, w.result, f.fingerprint, f.state, f.ready, f.await_error, f.attempt, f.seq,"  \
    " f.await_seq, f.wait_kind, f.waiting_on, f.cancel, f.paused, f.policy, f.frame, f.value,"      \
    " f.payload, t.due_ms"                                                                          \
    " FROM durable.workflows w LEFT JOIN durable.frames f ON f.workflow = w.id"                     \
    " LEFT JOIN durable.timers t ON t.workflow = w.id"

/* As store_sqlite.c's CLAIMABLE: ready, not paused, not held by a worker
 * whose lease runs (parameters O: owner, N: now); rows O holds only when
 * M <> 0. */
#define CLAIMABLE(O, N, M)                                                                             \
    "w.status = " DURABLE__SQL_ST(DURABLE__ST_READY) " AND (w.owner IS NULL OR (" M "::int <> 0 AND w.owner = " O ")"                 \
    " OR (w.owner <> " O " AND w.owner NOT IN (SELECT id FROM durable.workers WHERE lease_ms >= " N ")))" \
    " AND NOT EXISTS (SELECT 1 FROM durable.frames f WHERE f.workflow = w.id AND f.paused <> 0)"
#define NOT_PAUSED(t) " NOT EXISTS (SELECT 1 FROM durable.frames f WHERE f.workflow = " t " AND f.paused <> 0)"

static const char *const sql_text[S_COUNT_OF_STATEMENTS] = {
    [S_PUT_SCHEMA] = "INSERT INTO durable.schemas(fingerprint, function, file, frame_size, args_size, codec)"
                     " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    [S_PUT_FIELD] = "INSERT INTO durable.schema_fields(fingerprint, role, idx, parent, name, type, kind,"
                    " \"offset\", size, count, line) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    [S_PUT_AWAIT] = "INSERT INTO durable.schema_awaits(fingerprint, id, kind, callee, occurrence, line,"
                    " value_type, value_kind, value_size, checks_error, saves, place, text)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    /* ON CONFLICT: a duplicate id is reported (EEXIST) without aborting the
     * transaction, as a failed statement does on SQLite */
    [S_INSERT_WF] = "INSERT INTO durable.workflows(id, function, parent, spawn_idx, status, args,"
                    " created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING",
    [S_INSERT_FRAME] = "INSERT INTO durable.frames(workflow, fingerprint, state, ready, await_error,"
                       " attempt, seq, await_seq) VALUES ($1, $2, 0, 0, 0, 0, 0, 0)",
    [S_SET_STATUS] = "UPDATE durable.workflows SET status = $2, owner = $3, error_code = $4, error = $5,"
                     " updated_ms = $6 WHERE id = $1",
    [S_SET_FRAME] = "UPDATE durable.frames SET fingerprint = $2, state = $3, ready = $4, await_error = $5,"
                    " attempt = $6, seq = $7, await_seq = $8, wait_kind = $9, waiting_on = $10,"
                    " cancel = greatest(cancel, $11), policy = $12, frame = $13, value = $14, payload = $15"
                    " WHERE workflow = $1",
    [S_GET_FLAGS] = "SELECT cancel, paused FROM durable.frames WHERE workflow = $1",
    [S_SET_FLAGS] = "UPDATE durable.frames SET paused = $2, cancel = $3 WHERE workflow = $1",
    [S_SET_COLLECTED] = "UPDATE durable.workflows SET collected = $2 WHERE id = $1",
    [S_SET_TIMER] = "INSERT INTO durable.timers(workflow, due_ms) VALUES ($1, $2)"
                    " ON CONFLICT (workflow) DO UPDATE SET due_ms = excluded.due_ms",
    [S_DEL_TIMER] = "DELETE FROM durable.timers WHERE workflow = $1",
    [S_SET_RESULT] = "UPDATE durable.workflows SET result = $2, status = $3, owner = NULL, error_code = $4,"
                     " error = $5, updated_ms = $6 WHERE id = $1",
    [S_DEL_FRAME] = "DELETE FROM durable.frames WHERE workflow = $1",
    [S_APPEND] = "INSERT INTO durable.history(workflow, checkpoint, await_id, event, attempt,"
                 " error_code, detail, at_ms, fingerprint) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    [S_GET] = ROW_SELECT " WHERE w.id = $1",
    [S_GET_SPAWNED] = ROW_SELECT " WHERE w.parent = $1 AND w.spawn_idx = $2",
    [S_LIST_STATUS] = "SELECT id FROM durable.workflows WHERE status = $1 ORDER BY ord",
    [S_LIST_WAITING] = "SELECT w.id FROM durable.workflows w JOIN durable.frames f ON f.workflow = w.id"
                       " WHERE w.status = " DURABLE__SQL_ST(DURABLE__ST_WAITING) " AND f.wait_kind = $2 AND"
                       " f.waiting_on = $1 ORDER BY w.ord",
    [S_FAMILY] = "WITH RECURSIVE t(id, depth) AS (SELECT $1::text, 0 UNION ALL"
                 " SELECT w.id, t.depth + 1 FROM durable.workflows w JOIN t ON w.parent = t.id)"
                 " SELECT t.id FROM t JOIN durable.workflows w ON w.id = t.id"
                 " WHERE w.status IN " DURABLE__SQL_UNFINISHED " ORDER BY t.depth, w.ord",
    [S_SPAWNS] = "SELECT count(*), count(*) FILTER (WHERE status IN " DURABLE__SQL_UNFINISHED "),"
                 " count(*) FILTER (WHERE status IN " DURABLE__SQL_UNSUCCESSFUL ")"
                 " FROM durable.workflows WHERE parent = $1 AND spawn_idx IS NOT NULL",
    [S_SPAWN_NEXT] = "SELECT spawn_idx, id FROM durable.workflows WHERE parent = $1 AND spawn_idx IS NOT NULL"
                     " AND collected = 0 AND status IN " DURABLE__SQL_FINISHED
                     " ORDER BY updated_ms, spawn_idx LIMIT 1",
    /* Fire up to $2 timers due by $1 in one statement: lock them (skipping
     * those another worker is firing), delete them, complete the await (a due
     * sleep or signal timeout gets value 0; a due step retry keeps ready = 0
     * so the step is issued again), and claim for $3 those that were waiting
     * (a held one fires but stays held and is not returned). */
    [S_FIRE] = "WITH due AS (SELECT t.workflow, t.due_ms FROM durable.timers t WHERE t.due_ms <= $1 AND"
               NOT_PAUSED("t.workflow") " ORDER BY t.due_ms, t.workflow LIMIT $2 FOR UPDATE SKIP LOCKED),"
               " del AS (DELETE FROM durable.timers t USING due WHERE t.workflow = due.workflow"
               " RETURNING t.workflow),"
               " fr AS (UPDATE durable.frames f SET ready = (f.wait_kind <> $5)::int, wait_kind = $6,"
               " waiting_on = NULL, value = NULL, payload = NULL FROM del WHERE f.workflow = del.workflow"
               " RETURNING f.workflow),"
               " st AS (UPDATE durable.workflows w SET status = " DURABLE__SQL_ST(DURABLE__ST_READY) ", owner = $3,"
               " updated_ms = $4 FROM del WHERE w.id = del.workflow"
               " AND w.status = " DURABLE__SQL_ST(DURABLE__ST_WAITING) " RETURNING w.id)"
               " SELECT st.id FROM st JOIN due ON due.workflow = st.id ORDER BY due.due_ms, st.id",
    [S_CLAIM] = "WITH c AS (SELECT w.id, w.ord FROM durable.workflows w WHERE " CLAIMABLE("$1", "$2", "$4")
                " ORDER BY w.ord LIMIT $3 FOR UPDATE OF w SKIP LOCKED),"
                " u AS (UPDATE durable.workflows w SET owner = $1 FROM c WHERE w.id = c.id RETURNING w.id, w.ord)"
                " SELECT id FROM u ORDER BY ord",
    [S_HAS_WORK] = "SELECT (EXISTS (SELECT 1 FROM durable.workflows w WHERE " CLAIMABLE("$1", "$2", "$3") ")"
                   " OR EXISTS (SELECT 1 FROM durable.timers t WHERE t.due_ms <= $2 AND"
                   NOT_PAUSED("t.workflow") "))::int",
    [S_NEXT_DUE] = "SELECT min(t.due_ms) FROM durable.timers t WHERE" NOT_PAUSED("t.workflow"),
    [S_COUNT] = "SELECT count(*) FROM durable.workflows WHERE status IN " DURABLE__SQL_LIVE,
    [S_BEAT] = "INSERT INTO durable.workers(id, lease_ms) VALUES ($1, $2)"
               " ON CONFLICT (id) DO UPDATE SET lease_ms = excluded.lease_ms",
    [S_WORKERS] = "SELECT id FROM durable.workers WHERE lease_ms >= $1 ORDER BY id",
    [S_DROP_WORKER] = "WITH d AS (DELETE FROM durable.workers WHERE id = $1)"
                      " UPDATE durable.workflows SET owner = NULL WHERE owner = $1",
    [S_PUT_SIGNAL] = "INSERT INTO durable.signals(workflow, name, data, sent_ms) VALUES ($1, $2, $3, $4)",
    [S_TAKE_SIGNAL] = "DELETE FROM durable.signals WHERE seq = (SELECT min(seq) FROM durable.signals"
                      " WHERE workflow = $1 AND name = $2) RETURNING data",
    [S_META_GET] = "SELECT value FROM durable.meta WHERE key = $1",
    [S_META_SET] = "INSERT INTO durable.meta(key, value) VALUES ($1, $2)"
                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [S_SCHEMA] = "SELECT function, frame_size, args_size FROM durable.schemas WHERE fingerprint = $1",
    [S_SCHEMA_FIELDS] = "SELECT role, name, type, kind, \"offset\", size, count, line FROM durable.schema_fields"
                        " WHERE fingerprint = $1 AND parent IS NULL"
                        " AND role IN ('" DURABLE__ROLE_FIELD "', '" DURABLE__ROLE_PARAM "')"
                        " ORDER BY role COLLATE \"C\", idx",
    [S_SCHEMA_AWAITS] = "SELECT id, kind, callee, occurrence, value_type, value_kind, value_size,"
                        " checks_error, saves, line, place, text FROM durable.schema_awaits"
                        " WHERE fingerprint = $1 ORDER BY id",
    [S_SET_ARGS] = "UPDATE durable.workflows SET args = $2 WHERE id = $1",
    /* finished, old, and not the child of an unfinished parent (which may
     * still read its result); every table's rows in one statement */
    [S_PURGE] = "WITH p AS (SELECT w.id FROM durable.workflows w WHERE w.status IN " DURABLE__SQL_FINISHED
                " AND w.updated_ms < $1 AND NOT EXISTS (SELECT 1 FROM durable.workflows q"
                " WHERE q.id = w.parent AND q.status IN " DURABLE__SQL_UNFINISHED ")),"
                " d1 AS (DELETE FROM durable.frames x USING p WHERE x.workflow = p.id),"
                " d2 AS (DELETE FROM durable.timers x USING p WHERE x.workflow = p.id),"
                " d3 AS (DELETE FROM durable.history x USING p WHERE x.workflow = p.id),"
                " d4 AS (DELETE FROM durable.signals x USING p WHERE x.workflow = p.id),"
                " d5 AS (DELETE FROM durable.workflows x USING p WHERE x.id = p.id)"
                " SELECT count(*) FROM p",
};

/* Our tables; any other relation in schema durable means it is not ours. */
static const char *const our_tables[] = {"meta",    "schemas", "schema_fields", "schema_awaits", "workflows",
                                         "frames",  "timers",  "signals",       "workers",       "history"};

static const char schema_sql[] =
    "CREATE SCHEMA IF NOT EXISTS durable;"
    "CREATE TABLE durable.meta(key text PRIMARY KEY, value text NOT NULL);"
    "CREATE TABLE durable.schemas(fingerprint bigint PRIMARY KEY, function text NOT NULL, file text,"
    " frame_size bigint NOT NULL, args_size bigint NOT NULL, codec integer NOT NULL);"
    "CREATE TABLE durable.schema_fields(fingerprint bigint NOT NULL, role text NOT NULL, idx integer NOT NULL,"
    " parent integer, name text NOT NULL, type text, kind integer NOT NULL, \"offset\" bigint NOT NULL,"
    " size bigint NOT NULL, count bigint NOT NULL, line bigint, PRIMARY KEY(fingerprint, role, idx));"
    "CREATE TABLE durable.schema_awaits(fingerprint bigint NOT NULL, id integer NOT NULL, kind integer NOT NULL,"
    " callee text, occurrence integer NOT NULL, line bigint, value_type text, value_kind integer,"
    " value_size bigint, checks_error integer NOT NULL, saves text, place text, text text,"
    " PRIMARY KEY(fingerprint, id));"
    "CREATE TABLE durable.workflows(ord bigint GENERATED ALWAYS AS IDENTITY UNIQUE, id text PRIMARY KEY,"
    " function text NOT NULL, parent text, spawn_idx integer, collected integer NOT NULL DEFAULT 0,"
    " status text NOT NULL, owner text, args bytea, result bytea, error_code integer NOT NULL DEFAULT 0,"
    " error text, created_ms bigint NOT NULL, updated_ms bigint NOT NULL);"
    "CREATE INDEX workflows_status ON durable.workflows(status);"
    "CREATE INDEX workflows_parent ON durable.workflows(parent);"
    "CREATE TABLE durable.frames(workflow text PRIMARY KEY, fingerprint bigint NOT NULL, state integer NOT NULL,"
    " ready integer NOT NULL, await_error integer NOT NULL, attempt integer NOT NULL, seq bigint NOT NULL,"
    " await_seq bigint NOT NULL, wait_kind integer NOT NULL DEFAULT 0, waiting_on text,"
    " cancel integer NOT NULL DEFAULT 0, paused integer NOT NULL DEFAULT 0, policy text, frame bytea,"
    " value bytea, payload bytea);"
    "CREATE TABLE durable.timers(workflow text PRIMARY KEY, due_ms bigint NOT NULL);"
    "CREATE INDEX timers_due ON durable.timers(due_ms);"
    "CREATE TABLE durable.signals(seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, workflow text NOT NULL,"
    " name text NOT NULL, data bytea, sent_ms bigint NOT NULL);"
    "CREATE INDEX signals_target ON durable.signals(workflow, name, seq);"
    "CREATE TABLE durable.workers(id text PRIMARY KEY, lease_ms bigint NOT NULL);"
    "CREATE TABLE durable.history(workflow text NOT NULL, checkpoint bigint NOT NULL, await_id integer NOT NULL,"
    " event text NOT NULL, attempt integer NOT NULL, error_code integer NOT NULL, detail text,"
    " at_ms bigint NOT NULL, fingerprint bigint, PRIMARY KEY(workflow, checkpoint));";

typedef struct pg_store {
    durable__store base;
    PGconn *conn;
    int in_txn;    /* between begin and commit/rollback */
    int wrote;     /* this transaction wrote: NOTIFY before COMMIT */
    int txn_error; /* the code of a statement that failed in this transaction */
    int looked;    /* changed() was called before */
    int news;      /* another connection's notification arrived since changed() */
    int reconnects; /* sessions made again after a lost connection (live) */
    int conflict;   /* this transaction lost a serialization conflict */
    durable_options opts;
    uint64_t put_fp; /* the schema put_schema is writing */
} pg_store;

/* Parameters of one statement: text, or binary for bytea; NULL is NULL. */
#define MAX_PARAMS 16
typedef struct params {
    const char *v[MAX_PARAMS];
    int len[MAX_PARAMS], fmt[MAX_PARAMS];
    char num[MAX_PARAMS][24];
    int n;
} params;

static void p_text(params *p, const char *t)
{
    p->v[p->n] = t;
    p->len[p->n] = 0;
    p->fmt[p->n++] = 0;
}

static void p_int(params *p, int64_t x)
{
    snprintf(p->num[p->n], sizeof p->num[p->n], "%" PRId64, x);
    p_text(p, p->num[p->n]);
}

static void p_blob(params *p, const void *data, size_t n)
{
    p->v[p->n] = data;
    p->len[p->n] = (int)n;
    p->fmt[p->n++] = 1;
}

static void p_buf(params *p, const durable__buf *b)
{
    if (b && b->p)
        p_blob(p, b->p, b->n);
    else
        p_text(p, NULL);
}

static int map_sqlstate(const char *st)
{
    if (!st || strlen(st) != 5)
        return DURABLE_EIO;
    if (strncmp(st, "40", 2) == 0 || strcmp(st, "55P03") == 0)
        return DURABLE_EBUSY; /* serialization failure, deadlock, lock_timeout */
    if (strncmp(st, "23", 2) == 0)
        return DURABLE_EEXIST;
    if (strcmp(st, "53200") == 0)
        return DURABLE_ENOMEM;
    if (strcmp(st, "42P01") == 0 || strcmp(st, "42703") == 0 || strcmp(st, "3F000") == 0)
        return DURABLE_ECORRUPT; /* a table, column or schema is not as we made it */
    if (strncmp(st, "54", 2) == 0)
        return DURABLE_ELIMIT;
    return DURABLE_EIO; /* 08 connection, 57P0x shutdown, 53 resources, ... */
}

/* Take the notifications libpq has read (any statement reads those that
 * arrived before its result): noted, so they do not pile up in a connection
 * that never asks `changed`. */
static void drain(pg_store *s)
{
    int me = PQbackendPID(s->conn);
    PGnotify *n;
    while ((n = PQnotifies(s->conn)) != NULL) {
        if (n->be_pid != me)
            s->news = 1;
        PQfreemem(n);
    }
}

/* The code of a result (noting the statement's failure in a transaction). */
static int result_rc(pg_store *s, PGresult *r)
{
    drain(s);
    int rc;
    if (!r)
        rc = PQstatus(s->conn) == CONNECTION_BAD ? DURABLE_EIO : DURABLE_ENOMEM;
    else if (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
        rc = DURABLE_OK;
    else if (PQstatus(s->conn) == CONNECTION_BAD)
        rc = DURABLE_EIO;
    else {
        const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        rc = map_sqlstate(st);
        if (st && strncmp(st, "40", 2) == 0) /* serialization failure, deadlock */
            s->conflict = 1;
    }
    if (rc != DURABLE_OK && s->in_txn && !s->txn_error)
        s->txn_error = rc;
    return rc;
}

static int live(pg_store *s);

/* Run prepared statement `which`; on success *out holds the result (the
 * caller PQclears it), on failure nothing is left to free. */
static int run(pg_store *s, int which, const params *p, PGresult **out)
{
    if (out)
        *out = NULL;
    int rc = live(s);
    if (rc != DURABLE_OK) {
        if (s->in_txn && !s->txn_error)
            s->txn_error = rc;
        return rc;
    }
    char name[8];
    snprintf(name, sizeof name, "d%d", which);
    PGresult *r = PQexecPrepared(s->conn, name, p ? p->n : 0, p ? p->v : NULL, p ? p->len : NULL,
                                 p ? p->fmt : NULL, 0);
    rc = result_rc(s, r);
    if (rc != DURABLE_OK || !out) {
        PQclear(r);
        r = NULL;
    }
    if (out)
        *out = r;
    return rc;
}

static int exec_sql(pg_store *s, const char *sql)
{
    PGresult *r = PQexec(s->conn, sql);
    int rc = result_rc(s, r);
    PQclear(r);
    return rc;
}

/* A write happened: NOTIFY at commit, or now outside a transaction. */
static int wrote(pg_store *s)
{
    if (s->in_txn) {
        s->wrote = 1;
        return DURABLE_OK;
    }
    return exec_sql(s, "NOTIFY " CHANNEL);
}

/* Run a write statement and note it. */
static int run_write(pg_store *s, int which, const params *p, long *changes)
{
    PGresult *r;
    int rc = run(s, which, p, &r);
    if (rc == DURABLE_OK) {
        if (changes)
            *changes = atol(PQcmdTuples(r));
        PQclear(r);
        rc = wrote(s);
    }
    return rc;
}

static int64_t now_ms(pg_store *s)
{
    return s->opts.clock ? s->opts.clock(s->opts.clock_ctx) : durable__realtime_ms();
}

/* ---- reading results ---- */

static int64_t col_int(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* A text column that may be NULL into *out: ENOMEM when it is not NULL and
 * could not be copied. */
static int col_text(const PGresult *r, int row, int col, char **out)
{
    *out = PQgetisnull(r, row, col) ? NULL : durable__strdup(PQgetvalue(r, row, col));
    return *out || PQgetisnull(r, row, col) ? DURABLE_OK : DURABLE_ENOMEM;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A bytea column (hex output: "\x0a1b...") into b; NULL or empty leaves b
 * empty, as the SQLite store treats an empty blob. */
static int col_buf(const PGresult *r, int row, int col, durable__buf *b)
{
    b->n = 0;
    if (PQgetisnull(r, row, col))
        return DURABLE_OK;
    const char *t = PQgetvalue(r, row, col);
    size_t len = (size_t)PQgetlength(r, row, col);
    if (len < 2 || t[0] != '\\' || t[1] != 'x' || len % 2)
        return DURABLE_ECORRUPT;
    size_t n = (len - 2) / 2;
    if (!n)
        return DURABLE_OK;
    if (b->cap < n) {
        unsigned char *p = durable__realloc(b->p, n);
        if (!p)
            return DURABLE_ENOMEM;
        b->p = p;
        b->cap = n;
    }
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(t[2 + 2 * i]), lo = hexval(t[3 + 2 * i]);
        if (hi < 0 || lo < 0)
            return DURABLE_ECORRUPT;
        b->p[i] = (unsigned char)(hi << 4 | lo);
    }
    b->n = n;
    return DURABLE_OK;
}

/* Column 0 of every row of r into *ids. */
static int collect_ids(PGresult *r, char ***ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    int rows = PQntuples(r);
    if (rows == 0)
        return DURABLE_OK;
    char **v = durable__calloc((size_t)rows, sizeof *v);
    if (!v)
        return DURABLE_ENOMEM;
    for (int i = 0; i < rows; i++) {
        v[i] = durable__strdup(PQgetvalue(r, i, 0));
        if (!v[i]) {
            durable__ids_free(v, (size_t)i);
            return DURABLE_ENOMEM;
        }
    }
    *ids = v;
    *n = (size_t)rows;
    return DURABLE_OK;
}

/* Run a statement that lists ids. */
static int run_ids(pg_store *s, int which, const params *p, char ***ids, size_t *n)
{
    PGresult *r;
    *ids = NULL;
    *n = 0;
    int rc = run(s, which, p, &r);
    if (rc == DURABLE_OK) {
        rc = collect_ids(r, ids, n);
        PQclear(r);
    }
    return rc;
}

/* Run a statement that yields one integer (no row or NULL gives 0). */
static int run_int(pg_store *s, int which, const params *p, int64_t *out)
{
    PGresult *r;
    *out = 0;
    int rc = run(s, which, p, &r);
    if (rc == DURABLE_OK) {
        if (PQntuples(r) > 0)
            *out = col_int(r, 0, 0);
        PQclear(r);
    }
    return rc;
}

/* ---- opening ---- */

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* The URI without a password (userinfo "user:secret@" or password=...),
 * for messages. */
static void uri_for_message(const char *uri, char *out, size_t size)
{
    size_t o = 0;
    const char *scheme = strstr(uri, "://");
    const char *auth = scheme ? scheme + 3 : uri;
    const char *at = strchr(auth, '@'), *end = auth + strcspn(auth, "/?");
    const char *colon = at && at < end ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    for (const char *c = uri; *c && o + 1 < size; c++) {
        if (colon && c == colon) { /* skip ":secret" */
            c = at - 1;
            continue;
        }
        if (strncmp(c, "password=", 9) == 0 && c > uri && (c[-1] == '?' || c[-1] == '&')) {
            const char *amp = strchr(c, '&');
            const char *mask = "password=***";
            for (const char *m = mask; *m && o + 1 < size; m++)
                out[o++] = *m;
            if (!amp)
                break;
            c = amp - 1;
            continue;
        }
        out[o++] = *c;
    }
    out[o] = '\0';
}

static void open_failed(const char *uri, int rc, PGconn *conn)
{
    char shown[512];
    uri_for_message(uri, shown, sizeof shown);
    const char *why = conn ? PQerrorMessage(conn) : "";
    if (rc == DURABLE_EIO && why && *why) {
        size_t n = strcspn(why, "\n");
        durable__set_open_error("cannot open %s: %.*s", shown, (int)n, why);
    } else {
        durable__set_open_error("cannot open %s: %s", shown, durable_strerror(rc));
    }
}

static const durable__store_ops pg_ops;

static void pg_close(durable__store *base)
{
    pg_store *s = (pg_store *)base;
    if (!s)
        return;
    PQfinish(s->conn);
    free(s);
}

/* Inside the opening transaction: look at schema durable and decide.
 * *fresh: nothing of ours there yet. */
static int inspect(pg_store *s, int *fresh)
{
    *fresh = 0;
    PGresult *r = PQexec(s->conn, "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                                  " WHERE n.nspname = 'durable' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')");
    int rc = result_rc(s, r);
    if (rc != DURABLE_OK) {
        PQclear(r);
        return rc;
    }
    int rows = PQntuples(r), meta = 0;
    for (int i = 0; rc == DURABLE_OK && i < rows; i++) {
        const char *name = PQgetvalue(r, i, 0);
        int ours = 0;
        for (size_t k = 0; k < sizeof our_tables / sizeof *our_tables; k++)
            ours |= strcmp(name, our_tables[k]) == 0;
        meta |= strcmp(name, "meta") == 0;
        if (!ours)
            rc = DURABLE_ENOTDB;
    }
    PQclear(r);
    if (rc != DURABLE_OK)
        return rc;
    if (rows == 0) {
        *fresh = 1;
        return DURABLE_OK;
    }
    if (!meta)
        return DURABLE_ENOTDB;
    r = PQexec(s->conn, "SELECT value FROM durable.meta WHERE key = 'format'");
    rc = result_rc(s, r);
    if (rc == DURABLE_OK) {
        char *end = NULL;
        const char *v = PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "";
        long long ver = strtoll(v, &end, 10);
        if (end == v || *end)
            rc = DURABLE_ECORRUPT;
        else if (ver > FORMAT_VERSION)
            rc = DURABLE_ENEWER;
        else if (ver < 1)
            rc = DURABLE_ECORRUPT;
    }
    PQclear(r);
    return rc;
}

static int initialise(pg_store *s)
{
    int rc = exec_sql(s, schema_sql);
    if (rc == DURABLE_OK) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "INSERT INTO durable.meta VALUES ('format', '%d'), ('created_by', 'libdurable %d.%d')",
                 FORMAT_VERSION, DURABLE_VERSION_MAJOR, DURABLE_VERSION_MINOR);
        rc = exec_sql(s, sql);
    }
    return rc;
}

/* The session's settings (lock_timeout from busy_timeout_ms, ...). */
static int set_session(pg_store *s)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SET lock_timeout = %d; SET bytea_output = 'hex'; SET client_encoding = 'UTF8'%s",
             s->opts.busy_timeout_ms, s->opts.synchronous == DURABLE_SYNC_NORMAL ? "; SET synchronous_commit = off" : "");
    return exec_sql(s, sql);
}

/* Prepare every statement and listen for other connections' commits. */
static int prepare_all(pg_store *s)
{
    int rc = DURABLE_OK;
    for (int i = 0; rc == DURABLE_OK && i < S_COUNT_OF_STATEMENTS; i++) {
        char name[8];
        snprintf(name, sizeof name, "d%d", i);
        PGresult *r = PQprepare(s->conn, name, sql_text[i], 0, NULL);
        rc = result_rc(s, r);
        PQclear(r);
    }
    return rc == DURABLE_OK ? exec_sql(s, "LISTEN " CHANNEL) : rc;
}

/* The connection is usable, or is made again: a server that restarted, or
 * a multi-host URI whose primary failed over (target_session_attrs picks
 * the new one), gets a new session with the same settings, statements and
 * LISTEN.  Inside a transaction a lost connection is DURABLE_EIO: the
 * transaction is gone, and the runtime redoes its round from the store
 * after the rollback; the next call outside one connects again.  What the
 * store held is read back, never guessed: a commit whose answer was lost
 * shows in the rows (or does not). */
static int live(pg_store *s)
{
    if (PQstatus(s->conn) == CONNECTION_OK)
        return DURABLE_OK;
    if (s->in_txn)
        return DURABLE_EIO;
    PQreset(s->conn);
    if (PQstatus(s->conn) != CONNECTION_OK)
        return DURABLE_EIO;
    PQsetNoticeProcessor(s->conn, ignore_notice, NULL);
    s->txn_error = 0;
    s->looked = 0; /* the next `changed` reports a change: look at the store */
    int rc = set_session(s);
    if (rc == DURABLE_OK)
        rc = prepare_all(s);
    if (rc == DURABLE_OK)
        s->reconnects++;
    return rc;
}

int durable__store_pg_open(durable__store **out, const char *uri, const durable_options *o)
{
    *out = NULL;
    if (pthread_once(&pq_once, pq_load) != 0 || !pq_ok) {
        durable__set_open_error("cannot open a PostgreSQL URI: %s", pq_missing[0] ? pq_missing : "libpq not loaded");
        return DURABLE_EINVAL;
    }
    pg_store *s = durable__calloc(1, sizeof *s);
    if (!s) {
        open_failed(uri, DURABLE_ENOMEM, NULL);
        return DURABLE_ENOMEM;
    }
    s->base.ops = &pg_ops;
    s->opts = *o;
    s->conn = PQconnectdb(uri);
    int rc = DURABLE_OK;
    if (!s->conn)
        rc = DURABLE_ENOMEM;
    else if (PQstatus(s->conn) != CONNECTION_OK)
        rc = DURABLE_EIO;
    if (rc != DURABLE_OK) {
        open_failed(uri, rc, s->conn);
        pg_close(&s->base);
        return rc;
    }
    PQsetNoticeProcessor(s->conn, ignore_notice, NULL);
    rc = set_session(s);
    int in_txn = 0, fresh = 0;
    if (rc == DURABLE_OK) {
        /* one opener at a time looks and creates (0x44555243: "DURC") */
        rc = exec_sql(s, "BEGIN; SELECT pg_advisory_xact_lock(1146442307)");
        in_txn = rc == DURABLE_OK;
    }
    if (rc == DURABLE_OK)
        rc = inspect(s, &fresh);
    if (rc == DURABLE_OK && fresh)
        rc = initialise(s);
    if (rc == DURABLE_OK)
        rc = prepare_all(s);
    if (rc == DURABLE_OK) {
        PGresult *r = PQexec(s->conn, "COMMIT");
        rc = result_rc(s, r);
        if (rc == DURABLE_OK && strcmp(PQcmdStatus(r), "COMMIT") != 0)
            rc = DURABLE_EIO;
        PQclear(r);
        in_txn = 0;
    }
    if (rc != DURABLE_OK && in_txn)
        exec_sql(s, "ROLLBACK");
    if (rc != DURABLE_OK) {
        open_failed(uri, rc, s->conn);
        pg_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return DURABLE_OK;
}

/* ---- transactions ---- */

static int pg_begin(durable__store *base)
{
    pg_store *s = (pg_store *)base;
    s->wrote = 0;
    s->txn_error = 0;
    s->conflict = 0;
    int rc = live(s);
    if (rc != DURABLE_OK)
        return rc;
    rc = exec_sql(s, "BEGIN ISOLATION LEVEL SERIALIZABLE");
    s->in_txn = rc == DURABLE_OK;
    return rc;
}

static int pg_commit(durable__store *base)
{
    pg_store *s = (pg_store *)base;
    if (!s->in_txn)
        return DURABLE_EINVAL;
    PGresult *r = PQexec(s->conn, s->wrote ? "NOTIFY " CHANNEL "; COMMIT" : "COMMIT");
    int failed_before = s->txn_error;
    int rc = result_rc(s, r);
    if (rc == DURABLE_OK && strcmp(PQcmdStatus(r), "COMMIT") != 0) /* ROLLBACK: it had failed */
        rc = failed_before ? failed_before : DURABLE_EIO;
    PQclear(r);
    if (rc == DURABLE_OK || PQtransactionStatus(s->conn) == PQTRANS_IDLE) {
        s->in_txn = 0;
        s->wrote = 0;
    }
    return rc;
}

static void pg_rollback(durable__store *base)
{
    pg_store *s = (pg_store *)base;
    PGTransactionStatusType ts = PQtransactionStatus(s->conn);
    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
        PQclear(PQexec(s->conn, "ROLLBACK"));
    s->in_txn = 0;
    s->wrote = 0;
    s->txn_error = 0;
}

static int pg_changed(durable__store *base, int *yes)
{
    pg_store *s = (pg_store *)base;
    if (live(s) != DURABLE_OK) {
        *yes = 1; /* unknown: look at the store */
        return DURABLE_EIO;
    }
    int ok = PQconsumeInput(s->conn);
    drain(s);
    *yes = !s->looked || s->news || !ok;
    s->looked = 1;
    s->news = 0;
    return ok ? DURABLE_OK : DURABLE_EIO;
}

static int pg_savepoint(durable__store *base, int op)
{
    static const char *const sql[] = {"SAVEPOINT durable_step", "RELEASE SAVEPOINT durable_step",
                                      "ROLLBACK TO SAVEPOINT durable_step; RELEASE SAVEPOINT durable_step"};
    pg_store *s = (pg_store *)base;
    if (op < 0 || op > 2)
        return DURABLE_EINVAL;
    int rc = exec_sql(s, sql[op]);
    if (rc == DURABLE_OK && op == 2)
        s->txn_error = 0; /* what failed inside it is undone */
    return rc;
}

/* ---- schemas ---- */

static int put_field(void *ctx, const char *role, int idx, int parent, const durable_field *f)
{
    pg_store *s = ctx;
    params p = {0};
    p_int(&p, (int64_t)s->put_fp);
    p_text(&p, role);
    p_int(&p, idx);
    if (parent >= 0)
        p_int(&p, parent);
    else
        p_text(&p, NULL);
    p_text(&p, f->name);
    p_text(&p, f->type);
    p_int(&p, f->kind);
    p_int(&p, f->offset);
    p_int(&p, f->size);
    p_int(&p, f->count);
    p_int(&p, f->line);
    return run_write(s, S_PUT_FIELD, &p, NULL);
}

static int put_await(void *ctx, const durable__await_row *a)
{
    pg_store *s = ctx;
    params q = {0};
    p_int(&q, (int64_t)s->put_fp);
    p_int(&q, a->id);
    p_int(&q, a->kind);
    p_text(&q, a->callee);
    p_int(&q, a->occurrence);
    p_int(&q, a->line);
    if (a->value) {
        p_text(&q, a->value->type);
        p_int(&q, a->value->kind);
        p_int(&q, a->value->size);
    } else {
        p_text(&q, NULL);
        p_text(&q, NULL);
        p_text(&q, NULL);
    }
    p_int(&q, a->checks_error);
    p_text(&q, a->saves);
    p_text(&q, a->place);
    p_text(&q, a->text);
    return run_write(s, S_PUT_AWAIT, &q, NULL);
}

static int pg_put_schema(durable__store *base, const durable_func *fn)
{
    pg_store *s = (pg_store *)base;
    params p = {0};
    p_int(&p, (int64_t)fn->fingerprint);
    p_text(&p, fn->name);
    p_text(&p, fn->file);
    p_int(&p, fn->frame_size);
    p_int(&p, fn->args_size);
    p_int(&p, DURABLE__CODEC_VERSION);
    long changes = 0;
    int rc = run_write(s, S_PUT_SCHEMA, &p, &changes);
    if (rc != DURABLE_OK || changes == 0)
        return rc; /* already there */
    s->put_fp = fn->fingerprint;
    return durable__schema_rows(fn, &(durable__schema_sink){put_field, put_await, s});
}

/* ---- workflow rows ---- */

static int pg_insert(durable__store *base, const durable__row *r)
{
    pg_store *s = (pg_store *)base;
    params p = {0};
    p_text(&p, r->id);
    p_text(&p, r->function);
    p_text(&p, r->parent);
    if (r->spawn_idx >= 0)
        p_int(&p, r->spawn_idx);
    else
        p_text(&p, NULL);
    p_text(&p, durable__status_text(r->status));
    p_buf(&p, &r->args);
    p_int(&p, now_ms(s));
    long changes = 0;
    int rc = run_write(s, S_INSERT_WF, &p, &changes);
    if (rc == DURABLE_OK && changes == 0)
        return DURABLE_EEXIST;
    if (rc != DURABLE_OK)
        return rc;
    params q = {0};
    p_text(&q, r->id);
    p_int(&q, (int64_t)r->fingerprint);
    return run_write(s, S_INSERT_FRAME, &q, NULL);
}

static int by_id(pg_store *s, int which, const char *id)
{
    params p = {0};
    p_text(&p, id);
    return run_write(s, which, &p, NULL);
}

static int pg_update(durable__store *base, durable__row *r, int what)
{
    pg_store *s = (pg_store *)base;
    int rc = DURABLE_OK;
    if (what & DURABLE__W_STATUS) {
        params p = {0};
        p_text(&p, r->id);
        p_text(&p, durable__status_text(r->status));
        p_text(&p, r->owner);
        p_int(&p, r->error_code);
        p_text(&p, r->error);
        p_int(&p, now_ms(s));
        rc = run_write(s, S_SET_STATUS, &p, NULL);
    }
    if (rc == DURABLE_OK && (what & DURABLE__W_FRAME)) {
        params p = {0};
        p_text(&p, r->id);
        p_int(&p, (int64_t)r->fingerprint);
        p_int(&p, r->state);
        p_int(&p, r->ready);
        p_int(&p, r->await_error);
        p_int(&p, r->attempt);
        p_int(&p, (int64_t)r->seq);
        p_int(&p, (int64_t)r->await_seq);
        p_int(&p, r->wait_kind);
        p_text(&p, r->waiting_on);
        p_int(&p, r->cancel);
        p_text(&p, r->policy);
        p_buf(&p, &r->frame);
        p_buf(&p, &r->value);
        p_buf(&p, &r->payload);
        rc = run_write(s, S_SET_FRAME, &p, NULL);
    }
    if (rc == DURABLE_OK && (what & DURABLE__W_FLAGS)) {
        params p = {0};
        p_text(&p, r->id);
        p_int(&p, r->paused);
        p_int(&p, r->cancel);
        rc = run_write(s, S_SET_FLAGS, &p, NULL);
    }
    if (rc == DURABLE_OK && (what & DURABLE__W_COLLECTED)) {
        params p = {0};
        p_text(&p, r->id);
        p_int(&p, r->collected);
        rc = run_write(s, S_SET_COLLECTED, &p, NULL);
    }
    if (rc == DURABLE_OK && (what & DURABLE__W_TIMER)) {
        if (r->wake_ms > 0) {
            params p = {0};
            p_text(&p, r->id);
            p_int(&p, r->wake_ms);
            rc = run_write(s, S_SET_TIMER, &p, NULL);
        } else {
            rc = by_id(s, S_DEL_TIMER, r->id);
        }
    }
    if (rc == DURABLE_OK && (what & DURABLE__W_RESULT)) {
        params p = {0};
        p_text(&p, r->id);
        p_buf(&p, &r->result);
        p_text(&p, durable__status_text(r->status));
        p_int(&p, r->error_code);
        p_text(&p, r->error);
        p_int(&p, now_ms(s));
        rc = run_write(s, S_SET_RESULT, &p, NULL);
        if (rc == DURABLE_OK)
            rc = by_id(s, S_DEL_FRAME, r->id);
    }
    return rc;
}

static int pg_append(durable__store *base, const durable__event *e)
{
    pg_store *s = (pg_store *)base;
    params p = {0};
    p_text(&p, e->workflow);
    p_int(&p, (int64_t)e->seq);
    p_int(&p, e->await_id);
    p_text(&p, e->what);
    p_int(&p, e->attempt);
    p_int(&p, e->error_code);
    p_text(&p, e->detail);
    p_int(&p, now_ms(s));
    p_int(&p, (int64_t)e->fingerprint);
    return run_write(s, S_APPEND, &p, NULL);
}

/* Fill out from row 0 of a ROW_SELECT result. */
static int read_row(const PGresult *res, durable__row *r)
{
    memset(r, 0, sizeof *r);
    int rc = DURABLE_OK;
    r->id = durable__strdup(PQgetvalue(res, 0, 0));
    r->function = durable__strdup(PQgetvalue(res, 0, 1));
    if (!r->id || !r->function)
        rc = DURABLE_ENOMEM;
    static const int text_cols[] = {2, 6, 8, 19, 22};
    char **text_out[] = {&r->parent, &r->owner, &r->error, &r->waiting_on, &r->policy};
    for (size_t k = 0; k < sizeof text_cols / sizeof *text_cols; k++)
        if (col_text(res, 0, text_cols[k], text_out[k]) != DURABLE_OK)
            rc = DURABLE_ENOMEM;
    r->spawn_idx = PQgetisnull(res, 0, 3) ? -1 : (int)col_int(res, 0, 3);
    r->collected = (int)col_int(res, 0, 4);
    r->status = durable__status_parse(PQgetvalue(res, 0, 5));
    r->error_code = (int)col_int(res, 0, 7);
    if (rc == DURABLE_OK && !r->status)
        rc = DURABLE_ECORRUPT;
    if (rc == DURABLE_OK)
        rc = col_buf(res, 0, 9, &r->args);
    if (rc == DURABLE_OK)
        rc = col_buf(res, 0, 10, &r->result);
    r->fingerprint = (uint64_t)col_int(res, 0, 11);
    r->state = (int)col_int(res, 0, 12);
    r->ready = (int)col_int(res, 0, 13);
    r->await_error = (int)col_int(res, 0, 14);
    r->attempt = (int)col_int(res, 0, 15);
    r->seq = (uint64_t)col_int(res, 0, 16);
    r->await_seq = (uint64_t)col_int(res, 0, 17);
    r->wait_kind = (int)col_int(res, 0, 18);
    r->cancel = (int)col_int(res, 0, 20);
    r->paused = (int)col_int(res, 0, 21);
    if (rc == DURABLE_OK)
        rc = col_buf(res, 0, 23, &r->frame);
    if (rc == DURABLE_OK)
        rc = col_buf(res, 0, 24, &r->value);
    if (rc == DURABLE_OK)
        rc = col_buf(res, 0, 25, &r->payload);
    r->wake_ms = col_int(res, 0, 26);
    if (rc != DURABLE_OK)
        durable__row_clear(r);
    return rc;
}

static int get_row(pg_store *s, int which, const params *p, durable__row *out)
{
    PGresult *r;
    memset(out, 0, sizeof *out); /* empty on every failure: callers may clear it */
    int rc = run(s, which, p, &r);
    if (rc != DURABLE_OK)
        return rc;
    rc = PQntuples(r) > 0 ? read_row(r, out) : DURABLE_ENOENT;
    PQclear(r);
    return rc;
}

static int pg_get(durable__store *base, const char *id, durable__row *out)
{
    params p = {0};
    p_text(&p, id);
    return get_row((pg_store *)base, S_GET, &p, out);
}

static int pg_get_spawned(durable__store *base, const char *parent, int h, durable__row *out)
{
    params p = {0};
    p_text(&p, parent);
    p_int(&p, h);
    return get_row((pg_store *)base, S_GET_SPAWNED, &p, out);
}

static int pg_flags(durable__store *base, const char *id, int *cancel, int *paused)
{
    pg_store *s = (pg_store *)base;
    params p = {0};
    p_text(&p, id);
    PGresult *r;
    int rc = run(s, S_GET_FLAGS, &p, &r);
    if (rc != DURABLE_OK)
        return rc;
    if (PQntuples(r) > 0) {
        *cancel = (int)col_int(r, 0, 0);
        *paused = (int)col_int(r, 0, 1);
    } else {
        rc = DURABLE_ENOENT;
    }
    PQclear(r);
    return rc;
}

static int pg_list(durable__store *base, int status, const char *name, char ***ids, size_t *n)
{
    params p = {0};
    p_text(&p, name ? name : durable__status_text(status));
    if (name)
        p_int(&p, DURABLE__WAIT_SIGNAL);
    return run_ids((pg_store *)base, name ? S_LIST_WAITING : S_LIST_STATUS, &p, ids, n);
}

static int pg_family(durable__store *base, const char *id, char ***ids, size_t *n)
{
    params p = {0};
    p_text(&p, id);
    return run_ids((pg_store *)base, S_FAMILY, &p, ids, n);
}

static int pg_spawns(durable__store *base, const char *parent, durable__spawns *out)
{
    pg_store *s = (pg_store *)base;
    memset(out, 0, sizeof *out);
    out->finished_uncollected = -1;
    params p = {0};
    p_text(&p, parent);
    PGresult *r;
    int rc = run(s, S_SPAWNS, &p, &r);
    if (rc != DURABLE_OK)
        return rc;
    if (PQntuples(r) > 0) {
        out->total = (int)col_int(r, 0, 0);
        out->unfinished = (int)col_int(r, 0, 1);
        out->failed = (int)col_int(r, 0, 2);
    }
    PQclear(r);
    rc = run(s, S_SPAWN_NEXT, &p, &r);
    if (rc != DURABLE_OK)
        return rc;
    if (PQntuples(r) > 0) {
        out->finished_uncollected = (int)col_int(r, 0, 0);
        out->finished_id = durable__strdup(PQgetvalue(r, 0, 1));
        if (!out->finished_id)
            rc = DURABLE_ENOMEM;
    }
    PQclear(r);
    return rc;
}

/* ---- timers, claims, counts ---- */

static int pg_fire_timers(durable__store *base, const char *owner, int64_t now, int limit, char ***ids, size_t *n)
{
    pg_store *s = (pg_store *)base;
    params p = {0};
    p_int(&p, now);
    p_int(&p, limit);
    p_text(&p, owner);
    p_int(&p, now_ms(s));
    p_int(&p, DURABLE__WAIT_RETRY);
    p_int(&p, DURABLE__WAIT_NONE);
    PGresult *r;
    *ids = NULL;
    *n = 0;
    int rc = run(s, S_FIRE, &p, &r);
    if (rc != DURABLE_OK)
        return rc;
    rc = collect_ids(r, ids, n);
    PQclear(r);
    /* a held row's timer may have fired with none returned: a write all the
     * same, and a cheap NOTIFY */
    if (rc == DURABLE_OK)
        rc = wrote(s);
    if (rc != DURABLE_OK) {
        durable__ids_free(*ids, *n);
        *ids = NULL;
        *n = 0;
    }
    return rc;
}

static int pg_claim(durable__store *base, const char *owner, int64_t now, int limit, int mine, char ***ids,
                    size_t *n)
{
    pg_store *s = (pg_store *)base;
    params p = {0};
    p_text(&p, owner);
    p_int(&p, now);
    p_int(&p, limit);
    p_int(&p, mine);
    int rc = run_ids(s, S_CLAIM, &p, ids, n);
    if (rc == DURABLE_OK && *n > 0) {
        rc = wrote(s);
        if (rc != DURABLE_OK) {
            durable__ids_free(*ids, *n);
            *ids = NULL;
            *n = 0;
        }
    }
    return rc;
}

static int pg_has_work(durable__store *base, const char *owner, int64_t now, int *yes)
{
    params p = {0};
    p_text(&p, owner);
    p_int(&p, now);
    p_int(&p, 0); /* not its own rows */
    int64_t v;
    int rc = run_int((pg_store *)base, S_HAS_WORK, &p, &v);
    *yes = v != 0;
    return rc;
}

static int pg_next_due(durable__store *base, int64_t *due)
{
    return run_int((pg_store *)base, S_NEXT_DUE, NULL, due);
}

static int pg_count_unfinished(durable__store *base, int *n)
{
    int64_t v;
    int rc = run_int((pg_store *)base, S_COUNT, NULL, &v);
    *n = (int)v;
    return rc;
}

/* ---- workers ---- */

static int pg_worker_beat(durable__store *base, const char *owner, int64_t lease_until)
{
    params p = {0};
    p_text(&p, owner);
    p_int(&p, lease_until);
    return run_write((pg_store *)base, S_BEAT, &p, NULL);
}

static int pg_workers(durable__store *base, int64_t now, char ***ids, size_t *n)
{
    params p = {0};
    p_int(&p, now);
    return run_ids((pg_store *)base, S_WORKERS, &p, ids, n);
}

static int pg_worker_drop(durable__store *base, const char *owner)
{
    return by_id((pg_store *)base, S_DROP_WORKER, owner);
}

/* ---- signals ---- */

static int pg_put_signal(durable__store *base, const char *id, const char *name, const void *data, size_t len)
{
    pg_store *s = (pg_store *)base;
    if (len > (size_t)INT32_MAX)
        return DURABLE_ELIMIT;
    params p = {0};
    p_text(&p, id);
    p_text(&p, name);
    p_blob(&p, len ? data : "", len);
    p_int(&p, now_ms(s));
    return run_write(s, S_PUT_SIGNAL, &p, NULL);
}

static int pg_take_signal(durable__store *base, const char *id, const char *name, durable__buf *data)
{
    pg_store *s = (pg_store *)base;
    params p = {0};
    p_text(&p, id);
    p_text(&p, name);
    data->n = 0;
    PGresult *r;
    int rc = run(s, S_TAKE_SIGNAL, &p, &r);
    if (rc != DURABLE_OK)
        return rc;
    if (PQntuples(r) > 0) {
        rc = col_buf(r, 0, 0, data);
        if (rc == DURABLE_OK && !data->p) /* an empty signal: an empty buffer that is not NULL */
            rc = durable__buf_put(data, "", 0);
        if (rc == DURABLE_OK)
            rc = wrote(s);
    } else {
        rc = DURABLE_ENOENT;
    }
    PQclear(r);
    return rc;
}

/* ---- schemas read back ---- */

static int pg_schema(durable__store *base, uint64_t fingerprint, durable__schema *out)
{
    pg_store *s = (pg_store *)base;
    memset(out, 0, sizeof *out);
    params p = {0};
    p_int(&p, (int64_t)fingerprint);
    PGresult *r;
    int rc = run(s, S_SCHEMA, &p, &r);
    if (rc != DURABLE_OK)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return DURABLE_ENOENT;
    }
    out->function = durable__strdup(PQgetvalue(r, 0, 0));
    int64_t frame_size = col_int(r, 0, 1), args_size = col_int(r, 0, 2);
    out->frame_size = (uint32_t)frame_size;
    out->args_size = (uint32_t)args_size;
    rc = out->function ? DURABLE_OK : DURABLE_ENOMEM;
    /* bigint columns: a negative size would pass as a large uint32_t */
    if (rc == DURABLE_OK && (frame_size < 0 || args_size < 0 || frame_size > UINT32_MAX || args_size > UINT32_MAX))
        rc = DURABLE_ECORRUPT;
    PQclear(r);

    if (rc == DURABLE_OK)
        rc = run(s, S_SCHEMA_FIELDS, &p, &r);
    if (rc == DURABLE_OK) {
        int rows = PQntuples(r);
        for (int i = 0; rc == DURABLE_OK && i < rows; i++) {
            durable_field *f = durable__schema_add_field(out, PQgetvalue(r, i, 0));
            if (!f) {
                rc = DURABLE_ENOMEM;
                break;
            }
            f->name = durable__strdup(PQgetvalue(r, i, 1));
            f->type = PQgetisnull(r, i, 2) ? NULL : durable__strdup(PQgetvalue(r, i, 2));
            f->kind = (int)col_int(r, i, 3);
            f->offset = (uint32_t)col_int(r, i, 4);
            f->size = (uint32_t)col_int(r, i, 5);
            f->count = (uint32_t)col_int(r, i, 6);
            f->line = (uint32_t)col_int(r, i, 7);
            if (!f->name || !f->type)
                rc = DURABLE_ENOMEM;
        }
        PQclear(r);
    }

    if (rc == DURABLE_OK)
        rc = run(s, S_SCHEMA_AWAITS, &p, &r);
    if (rc == DURABLE_OK) {
        int rows = PQntuples(r);
        for (int i = 0; rc == DURABLE_OK && i < rows; i++) {
            durable__schema_await *a = durable__schema_add_await(out);
            if (!a) {
                rc = DURABLE_ENOMEM;
                break;
            }
            a->id = (int)col_int(r, i, 0);
            a->kind = (int)col_int(r, i, 1);
            a->occurrence = (int)col_int(r, i, 3);
            a->value.kind = (int)col_int(r, i, 5);
            a->value.size = (uint32_t)col_int(r, i, 6);
            a->checks_error = (int)col_int(r, i, 7);
            a->line = (uint32_t)col_int(r, i, 9);
            if (PQgetisnull(r, i, 2))
                rc = DURABLE_ECORRUPT;
            else if (col_text(r, i, 2, &a->callee) != DURABLE_OK || col_text(r, i, 4, (char **)&a->value.type) ||
                     col_text(r, i, 10, &a->place) || col_text(r, i, 11, &a->text))
                rc = DURABLE_ENOMEM;
            else
                rc = durable__schema_parse_saves(a, PQgetisnull(r, i, 8) ? NULL : PQgetvalue(r, i, 8));
        }
        PQclear(r);
    }
    return durable__schema_done(out, rc);
}

static int pg_set_args(durable__store *base, const char *id, const durable__buf *args)
{
    params p = {0};
    p_text(&p, id);
    p_buf(&p, args);
    return run_write((pg_store *)base, S_SET_ARGS, &p, NULL);
}

static int pg_purge(durable__store *base, int64_t before_ms, int *count)
{
    pg_store *s = (pg_store *)base;
    params p = {0};
    p_int(&p, before_ms);
    int64_t n;
    int rc = run_int(s, S_PURGE, &p, &n);
    if (rc == DURABLE_OK && n > 0)
        rc = wrote(s);
    if (rc == DURABLE_OK)
        *count = (int)n;
    return rc;
}

/* ---- meta ---- */

static int pg_meta_get(durable__store *base, const char *key, int64_t *value)
{
    pg_store *s = (pg_store *)base;
    params p = {0};
    p_text(&p, key);
    PGresult *r;
    int rc = run(s, S_META_GET, &p, &r);
    if (rc != DURABLE_OK)
        return rc;
    if (PQntuples(r) > 0)
        *value = col_int(r, 0, 0); /* text that is not a number reads as its leading digits, as on SQLite */
    else
        rc = DURABLE_ENOENT;
    PQclear(r);
    return rc;
}

static int pg_meta_set(durable__store *base, const char *key, int64_t value)
{
    params p = {0};
    p_text(&p, key);
    p_int(&p, value);
    return run_write((pg_store *)base, S_META_SET, &p, NULL);
}

static int pg_conflicted(durable__store *base)
{
    return ((pg_store *)base)->conflict;
}

/* ---- reading, for the `durable` tool (store.h, durable__read_ops) ----
 *
 * A store opened with durable__store_pg_open_read holds a session whose
 * transactions are read-only (default_transaction_read_only) and no
 * prepared statements: each read operation runs its own, unnamed.  A lost
 * connection is an error (DURABLE_EIO), not made again: the tool's command
 * is short and says so. */

/* Run sql with text parameters p; on success *out holds the result. */
static int rd_run(pg_store *s, const char *sql, const params *p, PGresult **out)
{
    *out = NULL;
    if (PQstatus(s->conn) != CONNECTION_OK)
        return DURABLE_EIO;
    PGresult *r = PQprepare(s->conn, "", sql, 0, NULL);
    int rc = result_rc(s, r);
    PQclear(r);
    if (rc != DURABLE_OK)
        return rc;
    r = PQexecPrepared(s->conn, "", p ? p->n : 0, p ? p->v : NULL, p ? p->len : NULL, p ? p->fmt : NULL, 0);
    rc = result_rc(s, r);
    if (rc != DURABLE_OK)
        PQclear(r);
    else
        *out = r;
    return rc;
}

static const char *rd_text(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

#define LISTED_SELECT                                                                                       \
    "SELECT w.id, w.function, w.parent, w.spawn_idx, w.status, (f.workflow IS NOT NULL)::int,"             \
    " coalesce(f.paused, 0), f.state, a.callee, a.line, w.created_ms, w.updated_ms"                       \
    " FROM durable.workflows w LEFT JOIN durable.frames f ON f.workflow = w.id"                           \
    " LEFT JOIN durable.schema_awaits a ON a.fingerprint = f.fingerprint AND a.id = f.state"

static void rd_listed(const PGresult *r, void (*each)(void *, const durable__listed *), void *ctx)
{
    for (int i = 0; i < PQntuples(r); i++) {
        durable__listed w = {0};
        w.id = rd_text(r, i, 0) ? rd_text(r, i, 0) : "?";
        w.function = rd_text(r, i, 1) ? rd_text(r, i, 1) : "?";
        w.parent = rd_text(r, i, 2);
        w.spawn_idx = PQgetisnull(r, i, 3) ? -1 : (int)col_int(r, i, 3);
        w.status = durable__status_parse(rd_text(r, i, 4));
        w.paused = col_int(r, i, 6) != 0;
        w.state = col_int(r, i, 5) ? (int)col_int(r, i, 7) : -1;
        w.callee = rd_text(r, i, 8);
        w.line = col_int(r, i, 9);
        w.created_ms = col_int(r, i, 10);
        w.updated_ms = col_int(r, i, 11);
        each(ctx, &w);
    }
}

static int pg_read_list(durable__store *base, const durable__filter *f, int64_t offset, int64_t limit,
                        void (*each)(void *, const durable__listed *), void *ctx)
{
    char where[1024], sql[2048];
    const char *texts[10];
    int np;
    durable__filter_sql(f, '$', 1, where, sizeof where, texts, &np);
    snprintf(sql, sizeof sql, LISTED_SELECT "%s ORDER BY w.ord LIMIT $%d OFFSET $%d", where, np + 1, np + 2);
    params p = {0};
    for (int i = 0; i < np; i++)
        p_text(&p, texts[i]);
    if (limit < 0)
        p_text(&p, NULL); /* LIMIT NULL: all */
    else
        p_int(&p, limit);
    p_int(&p, offset);
    PGresult *r;
    int rc = rd_run((pg_store *)base, sql, &p, &r);
    if (rc == DURABLE_OK) {
        rd_listed(r, each, ctx);
        PQclear(r);
    }
    return rc;
}

static int pg_read_count(durable__store *base, const durable__filter *f, int64_t *n)
{
    char where[1024], sql[1536];
    const char *texts[10];
    int np;
    durable__filter_sql(f, '$', 1, where, sizeof where, texts, &np);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM durable.workflows w%s%s",
             f->statuses ? " LEFT JOIN durable.frames f ON f.workflow = w.id" : "", where);
    params p = {0};
    for (int i = 0; i < np; i++)
        p_text(&p, texts[i]);
    PGresult *r;
    *n = 0;
    int rc = rd_run((pg_store *)base, sql, &p, &r);
    if (rc == DURABLE_OK) {
        *n = PQntuples(r) ? col_int(r, 0, 0) : 0;
        PQclear(r);
    }
    return rc;
}

static int pg_read_workflow(durable__store *base, const char *id, durable__detail *out)
{
    memset(out, 0, sizeof *out);
    params p = {0};
    p_text(&p, id);
    PGresult *r;
    int rc = rd_run((pg_store *)base,
                    "SELECT r.*, x.created_ms, x.updated_ms,"
                    " (EXISTS (SELECT 1 FROM durable.frames y WHERE y.workflow = r.id))::int,"
                    " (r.due_ms IS NOT NULL)::int"
                    " FROM (" ROW_SELECT " WHERE w.id = $1) r JOIN durable.workflows x ON x.id = r.id",
                    &p, &r);
    if (rc != DURABLE_OK)
        return rc;
    if (PQntuples(r) == 0) {
        rc = DURABLE_ENOENT;
    } else {
        rc = read_row(r, &out->row);
        out->created_ms = col_int(r, 0, 27);
        out->updated_ms = col_int(r, 0, 28);
        out->has_frame = (int)col_int(r, 0, 29);
        out->has_timer = (int)col_int(r, 0, 30);
    }
    PQclear(r);
    return rc;
}

static int pg_read_children(durable__store *base, const char *id, void (*each)(void *, const durable__listed *),
                            void *ctx)
{
    params p = {0};
    p_text(&p, id);
    PGresult *r;
    int rc = rd_run((pg_store *)base, LISTED_SELECT " WHERE w.parent = $1 ORDER BY w.ord", &p, &r);
    if (rc == DURABLE_OK) {
        rd_listed(r, each, ctx);
        PQclear(r);
    }
    return rc;
}

static int pg_read_history(durable__store *base, const char *id, int64_t offset, int64_t limit,
                           void (*each)(void *, const durable__history_row *), void *ctx)
{
    char sql[640];
    snprintf(sql, sizeof sql,
             "SELECT h.workflow, w.function, h.checkpoint, h.await_id, h.event, h.attempt, h.error_code,"
             " h.detail, h.at_ms, h.fingerprint FROM durable.history h"
             " LEFT JOIN durable.workflows w ON w.id = h.workflow"
             "%s ORDER BY h.workflow, h.checkpoint, h.at_ms LIMIT $%d OFFSET $%d",
             id ? " WHERE h.workflow = $1" : "", id ? 2 : 1, id ? 3 : 2);
    params p = {0};
    if (id)
        p_text(&p, id);
    if (limit < 0)
        p_text(&p, NULL);
    else
        p_int(&p, limit);
    p_int(&p, offset);
    PGresult *r;
    int rc = rd_run((pg_store *)base, sql, &p, &r);
    if (rc != DURABLE_OK)
        return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        durable__history_row h = {0};
        h.workflow = rd_text(r, i, 0);
        h.function = rd_text(r, i, 1);
        h.checkpoint = col_int(r, i, 2);
        h.await_id = (int)col_int(r, i, 3);
        h.event = rd_text(r, i, 4);
        h.attempt = (int)col_int(r, i, 5);
        h.error_code = (int)col_int(r, i, 6);
        h.detail = rd_text(r, i, 7);
        h.at_ms = col_int(r, i, 8);
        h.has_fingerprint = !PQgetisnull(r, i, 9);
        h.fingerprint = (uint64_t)col_int(r, i, 9);
        each(ctx, &h);
    }
    PQclear(r);
    return DURABLE_OK;
}

static int pg_read_signals(durable__store *base, const char *id,
                           void (*each)(void *, const char *, size_t, int64_t), void *ctx)
{
    params p = {0};
    p_text(&p, id);
    PGresult *r;
    int rc = rd_run((pg_store *)base,
                    "SELECT name, coalesce(octet_length(data), 0), sent_ms FROM durable.signals"
                    " WHERE workflow = $1 ORDER BY seq",
                    &p, &r);
    if (rc != DURABLE_OK)
        return rc;
    for (int i = 0; i < PQntuples(r); i++)
        each(ctx, rd_text(r, i, 0) ? rd_text(r, i, 0) : "?", (size_t)col_int(r, i, 1), col_int(r, i, 2));
    PQclear(r);
    return DURABLE_OK;
}

static int pg_read_schema(durable__store *base, uint64_t fingerprint, durable__schema_view *out)
{
    pg_store *s = (pg_store *)base;
    memset(out, 0, sizeof *out);
    out->fingerprint = fingerprint;
    params p = {0};
    p_int(&p, (int64_t)fingerprint);
    PGresult *r;
    int rc = rd_run(s, "SELECT function, file, frame_size, args_size FROM durable.schemas WHERE fingerprint = $1",
                    &p, &r);
    if (rc != DURABLE_OK)
        return rc;
    int sizes_bad = 0;
    if (PQntuples(r) == 0) {
        rc = DURABLE_ENOENT;
    } else {
        int64_t fs = col_int(r, 0, 2), as = col_int(r, 0, 3);
        sizes_bad = fs < 0 || fs > (int64_t)UINT32_MAX || as < 0 || as > (int64_t)UINT32_MAX;
        out->frame_size = sizes_bad ? 0 : (uint32_t)fs;
        out->args_size = sizes_bad ? 0 : (uint32_t)as;
        out->function = durable__schema_view_strdup(out, rd_text(r, 0, 0));
        out->file = durable__schema_view_strdup(out, rd_text(r, 0, 1));
        rc = out->function && out->file ? DURABLE_OK : DURABLE_ENOMEM;
    }
    PQclear(r);
    static const char *const roles[] = {"field", "param", "result"};
    for (int k = 0; k < 3 && rc == DURABLE_OK; k++) {
        params q = {0};
        p_int(&q, (int64_t)fingerprint);
        p_text(&q, roles[k]);
        rc = rd_run(s,
                    "SELECT idx, parent, name, type, kind, \"offset\", size, count, line FROM durable.schema_fields"
                    " WHERE fingerprint = $1 AND role = $2 ORDER BY idx",
                    &q, &r);
        if (rc != DURABLE_OK)
            break;
        size_t n = (size_t)PQntuples(r);
        durable__field_row *rows = durable__calloc(n ? n : 1, sizeof *rows);
        if (!rows)
            rc = DURABLE_ENOMEM;
        for (size_t i = 0; rc == DURABLE_OK && i < n; i++) {
            durable__field_row *f = &rows[i];
            int row = (int)i;
            f->idx = col_int(r, row, 0);
            f->parent = PQgetisnull(r, row, 1) ? -1 : col_int(r, row, 1);
            f->name = rd_text(r, row, 2);
            f->type = rd_text(r, row, 3);
            f->kind = col_int(r, row, 4);
            f->offset = col_int(r, row, 5);
            f->size = col_int(r, row, 6);
            f->count = col_int(r, row, 7);
            f->line = col_int(r, row, 8);
        }
        if (rc == DURABLE_OK)
            rc = durable__schema_view_role(out, roles[k], rows, n, sizes_bad);
        free(rows);
        PQclear(r);
    }
    if (rc == DURABLE_OK)
        rc = rd_run(s,
                    "SELECT id, kind, callee, line, value_type, value_kind, value_size, checks_error, saves,"
                    " place, text FROM durable.schema_awaits WHERE fingerprint = $1 ORDER BY id",
                    &p, &r);
    if (rc == DURABLE_OK) {
        for (int i = 0; rc == DURABLE_OK && i < PQntuples(r); i++) {
            durable__await_view a = {0};
            a.id = (int)col_int(r, i, 0);
            a.kind = (int)col_int(r, i, 1);
            a.callee = rd_text(r, i, 2);
            a.line = col_int(r, i, 3);
            a.value_type = rd_text(r, i, 4);
            a.value_kind = (int)col_int(r, i, 5);
            a.value_size = col_int(r, i, 6);
            a.checks_error = (int)col_int(r, i, 7);
            a.place = rd_text(r, i, 9);
            a.text = rd_text(r, i, 10);
            rc = durable__schema_view_add_await(out, &a, rd_text(r, i, 8));
        }
        PQclear(r);
    }
    if (rc != DURABLE_OK)
        durable__schema_view_free(out);
    return rc;
}

static int pg_read_fingerprints(durable__store *base, const char *function, uint64_t **fps, size_t *n)
{
    *fps = NULL;
    *n = 0;
    params p = {0};
    p_text(&p, function);
    PGresult *r;
    int rc = rd_run((pg_store *)base, "SELECT fingerprint FROM durable.schemas WHERE function = $1 ORDER BY fingerprint",
                    &p, &r);
    if (rc != DURABLE_OK)
        return rc;
    size_t rows = (size_t)PQntuples(r);
    if (rows) {
        *fps = durable__calloc(rows, sizeof **fps);
        if (!*fps)
            rc = DURABLE_ENOMEM;
        for (size_t i = 0; rc == DURABLE_OK && i < rows; i++)
            (*fps)[i] = (uint64_t)col_int(r, (int)i, 0);
        if (rc == DURABLE_OK)
            *n = rows;
    }
    PQclear(r);
    return rc;
}

static int pg_read_counts(durable__store *base, void (*each)(void *, const durable__count_row *), void *ctx)
{
    PGresult *r;
    int rc = rd_run((pg_store *)base,
                    "SELECT w.function, w.status, (coalesce(f.paused, 0) <> 0)::int, count(*) FROM durable.workflows w"
                    " LEFT JOIN durable.frames f ON f.workflow = w.id GROUP BY 1, 2, 3",
                    NULL, &r);
    if (rc != DURABLE_OK)
        return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        durable__count_row c = {rd_text(r, i, 0) ? rd_text(r, i, 0) : "", durable__status_parse(rd_text(r, i, 1)),
                                (int)col_int(r, i, 2), col_int(r, i, 3)};
        each(ctx, &c);
    }
    PQclear(r);
    return DURABLE_OK;
}

/* The first line of libpq's last message. */
static const char *pg_read_error(durable__store *base)
{
    static char line[512];
    pg_store *s = (pg_store *)base;
    const char *m = s->conn ? PQerrorMessage(s->conn) : "";
    snprintf(line, sizeof line, "%.*s", (int)strcspn(m ? m : "", "\n"), m ? m : "");
    return line;
}

static const durable__read_ops pg_read_ops = {
    .list = pg_read_list,
    .count = pg_read_count,
    .workflow = pg_read_workflow,
    .children = pg_read_children,
    .history = pg_read_history,
    .signals = pg_read_signals,
    .schema = pg_read_schema,
    .fingerprints = pg_read_fingerprints,
    .counts = pg_read_counts,
    .error = pg_read_error,
};

int durable__store_pg_open_read(durable__store **out, const char *uri, char *name, size_t namelen, char *why,
                                size_t whylen)
{
    *out = NULL;
    uri_for_message(uri, name, namelen);
    if (pthread_once(&pq_once, pq_load) != 0 || !pq_ok) {
        snprintf(why, whylen, "cannot open: %s", pq_missing[0] ? pq_missing : "libpq not loaded");
        return DURABLE_EINVAL;
    }
    pg_store *s = durable__calloc(1, sizeof *s);
    if (!s) {
        snprintf(why, whylen, "out of memory");
        return DURABLE_ENOMEM;
    }
    s->base.ops = &pg_ops;
    s->conn = PQconnectdb(uri);
    int rc = !s->conn ? DURABLE_ENOMEM : PQstatus(s->conn) != CONNECTION_OK ? DURABLE_EIO : DURABLE_OK;
    if (rc != DURABLE_OK) {
        snprintf(why, whylen, "cannot open: %s", rc == DURABLE_ENOMEM ? "out of memory" : pg_read_error(&s->base));
        pg_close(&s->base);
        return rc;
    }
    PQsetNoticeProcessor(s->conn, ignore_notice, NULL);
    rc = exec_sql(s, "SET default_transaction_read_only = on; SET bytea_output = 'hex';"
                     " SET client_encoding = 'UTF8'; SET statement_timeout = 0");
    int fresh = 0;
    if (rc == DURABLE_OK)
        rc = inspect(s, &fresh);
    if (rc == DURABLE_OK && fresh)
        rc = DURABLE_ENOENT;
    switch (rc) {
    case DURABLE_OK: *out = &s->base; return DURABLE_OK;
    case DURABLE_ENOENT: snprintf(why, whylen, "not a durable database (no schema durable with our tables)"); break;
    case DURABLE_ENOTDB: snprintf(why, whylen, "not a durable database (schema durable holds tables not ours)"); break;
    case DURABLE_ENEWER: snprintf(why, whylen, "written by a newer format version of libdurable"); break;
    case DURABLE_ECORRUPT: snprintf(why, whylen, "not a durable database of a known layout (durable.meta)"); break;
    case DURABLE_ENOMEM: snprintf(why, whylen, "out of memory"); break;
    default: snprintf(why, whylen, "cannot read: %s", pg_read_error(&s->base)); break;
    }
    pg_close(&s->base);
    return rc == DURABLE_ENOENT ? DURABLE_ENOTDB : rc;
}

static const durable__store_ops pg_ops = {
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .changed = pg_changed,
    .put_schema = pg_put_schema,
    .insert = pg_insert,
    .update = pg_update,
    .append = pg_append,
    .get = pg_get,
    .list = pg_list,
    .family = pg_family,
    .spawns = pg_spawns,
    .get_spawned = pg_get_spawned,
    .savepoint = pg_savepoint,
    .flags = pg_flags,
    .purge = pg_purge,
    .schema = pg_schema,
    .set_args = pg_set_args,
    .fire_timers = pg_fire_timers,
    .claim = pg_claim,
    .has_work = pg_has_work,
    .next_due = pg_next_due,
    .count_unfinished = pg_count_unfinished,
    .worker_beat = pg_worker_beat,
    .workers = pg_workers,
    .worker_drop = pg_worker_drop,
    .put_signal = pg_put_signal,
    .take_signal = pg_take_signal,
    .meta_get = pg_meta_get,
    .meta_set = pg_meta_set,
    .conflicted = pg_conflicted,
    .read = &pg_read_ops,
};

/* The connection of a PostgreSQL store (a PGconn *), else NULL. */
void *durable__store_pg_handle(durable__store *base)
{
    return base && base->ops == &pg_ops ? ((pg_store *)base)->conn : NULL;
}

#else /* built without libpq */

#include "store.h"

#include <stdio.h>
#include <string.h>

/* A URI given to a build without the PostgreSQL store is refused with a
 * reason, so a dispatch on the URI's scheme needs no #ifdef. */
int durable__store_pg_open(durable__store **out, const char *uri, const durable_options *o)
{
    (void)uri;
    (void)o;
    *out = NULL;
    durable__set_open_error("cannot open a PostgreSQL URI: this libdurable was built without libpq");
    return DURABLE_EINVAL;
}

void *durable__store_pg_handle(durable__store *s)
{
    (void)s;
    return NULL;
}

int durable__store_pg_open_read(durable__store **out, const char *uri, char *name, size_t namelen, char *why,
                                size_t whylen)
{
    *out = NULL;
    const char *scheme = strstr(uri, "://");
    snprintf(name, namelen, "%.*s...", (int)(scheme ? scheme + 3 - uri : 0), uri); /* never a password */
    snprintf(why, whylen, "cannot open a PostgreSQL URI: this libdurable was built without libpq");
    return DURABLE_EINVAL;
}

#endif

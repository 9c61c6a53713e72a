/*
 * store.h — the storage interface between the scheduler and a database.
 *
 * The scheduler never sees SQL or a connection: it asks a store to open a
 * file, to group writes in a transaction, and to read and write workflow rows,
 * claims, signals and worker leases.  Decisions (what a checkpoint means, who
 * wakes whom) stay in the scheduler; the store only moves rows, so another
 * engine (PostgreSQL) implements the same operations.  store_sqlite.c is the
 * SQLite implementation.
 *
 * Every operation returns DURABLE_OK or a negative code; inside a
 * transaction a failed one fails the transaction (the caller rolls it back
 * and writes nothing more in it).  A failed commit's outcome is unknown: it
 * may have committed (its answer lost) or not, and the caller finds out by
 * reading the store back, never by guessing; only DURABLE_EBUSY with
 * `conflicted` 1 says nothing committed.  Blobs and strings
 * handed to a store are copied by it (or used before the call returns); rows
 * it returns hold malloc'd memory that durable__row_clear frees.
 */
#ifndef DURABLE_STORE_H
#define DURABLE_STORE_H

#include "internal.h"

/* What a coroutine waits for while `waiting`. */
enum { DURABLE__WAIT_NONE = 0, DURABLE__WAIT_TIMER, DURABLE__WAIT_RETRY, DURABLE__WAIT_CHILD,
       DURABLE__WAIT_SIGNAL, DURABLE__WAIT_ALL, DURABLE__WAIT_ANY };

/* One workflow as stored: its durable_workflows row joined with its frame and
 * timer. */
typedef struct durable__row {
    char *id;
    char *function;
    char *parent;         /* NULL for a top-level workflow */
    int spawn_idx;        /* handle if spawned by its parent, else -1 */
    int collected;        /* a spawned child whose finish durable_any returned */
    int status;           /* enum durable_status (never DURABLE_PAUSED: see `paused`) */
    char *owner;          /* the worker that claimed it, or NULL */
    uint64_t fingerprint; /* of the function's schema when the frame was written */
    int state;            /* the await the coroutine is at (0: not started) */
    int ready;            /* that await completed; its value is in `value` */
    int await_error;      /* the error of that await (when ready) */
    int attempt;          /* failed attempts of the current step */
    uint64_t seq;         /* checkpoints written so far */
    uint64_t await_seq;   /* seq when the current await was first issued */
    int wait_kind;        /* DURABLE__WAIT_* while waiting */
    char *waiting_on;     /* child id or signal name */
    int cancel;           /* 0, 1 requested, 2 delivered */
    int paused;
    char *policy;         /* a per-await retry policy, or NULL */
    int64_t wake_ms;      /* timer due (ms since epoch), or 0 for none */
    int error_code;       /* of a failed or held workflow */
    char *error;
    durable__buf args, frame, value, payload, result;
} durable__row;

void durable__row_clear(durable__row *r);

/* A line of the append-only history. */
typedef struct durable__event {
    const char *workflow;
    uint64_t seq;       /* the checkpoint this event belongs to */
    int await_id;
    const char *what;   /* "start", "step", "retry", "call", "sleep", "signal", "return", ... */
    int attempt;
    int error_code;
    const char *detail; /* child id, error message, ... or NULL */
    uint64_t fingerprint; /* the schema of the build that writes it */
} durable__event;

/* What an update writes: which parts of the row change. */
enum {
    DURABLE__W_STATUS = 1, /* status, owner, error_code, error */
    DURABLE__W_FRAME = 2,  /* every durable_frames column but paused; cancel only grows */
    DURABLE__W_TIMER = 4,  /* a timer row is set (wake_ms > 0) or deleted */
    DURABLE__W_RESULT = 8, /* the end: result, status, owner NULL, error; the frame row is
                              deleted (a running coroutine has no timer row) */
    DURABLE__W_FLAGS = 16, /* paused, and cancel as given (not only growing) */
    DURABLE__W_COLLECTED = 32, /* collected, alone: the child's other flags stay */
};

/* Counts over the children a coroutine spawned. */
typedef struct durable__spawns {
    int total, unfinished, failed;
    int finished_uncollected; /* a handle that durable_any may return, or -1 */
    char *finished_id;        /* that child's id (malloc'd) */
} durable__spawns;

/* A function's schema as stored in the file: enough to decode a frame that
 * an older build wrote (struct members are not loaded: decoding needs none). */
typedef struct durable__schema_await {
    int id, kind, occurrence, checks_error;
    uint32_t line;
    char *callee;
    char *place, *text; /* NULL in a file written before they were stored */
    durable_field value; /* value.name is "" and value.type owned; size 0: void */
    uint32_t *saves;
    uint32_t nsaves;
} durable__schema_await;

typedef struct durable__schema {
    char *function;
    uint32_t frame_size, args_size;
    durable_field *fields, *params;
    uint32_t nfields, nparams;
    durable__schema_await *awaits;
    uint32_t nawaits;
} durable__schema;

void durable__schema_free(durable__schema *sc);

typedef struct durable__store durable__store;

typedef struct durable__store_ops {
    void (*close)(durable__store *s);
    int (*begin)(durable__store *s);
    int (*commit)(durable__store *s);
    void (*rollback)(durable__store *s);
    /* *yes = 1 if another connection committed since the last call. */
    int (*changed)(durable__store *s, int *yes);

    /* Record a function's schema (idempotent). */
    int (*put_schema)(durable__store *s, const durable_func *fn);
    /* Insert a new workflow with its frame row; DURABLE_EEXIST if the id exists. */
    int (*insert)(durable__store *s, const durable__row *r);
    /* Write the parts of r named by `what` (see DURABLE__W_*). */
    int (*update)(durable__store *s, durable__row *r, int what);
    int (*append)(durable__store *s, const durable__event *e);
    /* Read one workflow; DURABLE_ENOENT if none.  On failure *out is empty. */
    int (*get)(durable__store *s, const char *id, durable__row *out);
    /* Ids of workflows with this status (or waiting on signal `name` when
     * name != NULL), in creation order.  *ids is malloc'd, each id too. */
    int (*list)(durable__store *s, int status, const char *name, char ***ids, size_t *n);
    /* Ids of the unfinished descendants of id, id itself first if unfinished. */
    int (*family)(durable__store *s, const char *id, char ***ids, size_t *n);
    int (*spawns)(durable__store *s, const char *parent, durable__spawns *out);
    /* The child that parent spawned with handle h; DURABLE_ENOENT if none. */
    int (*get_spawned)(durable__store *s, const char *parent, int h, durable__row *out);
    /* Inside a transaction: 0 opens the savepoint of a transactional step,
     * 1 keeps what it wrote, 2 undoes it. */
    int (*savepoint)(durable__store *s, int op);
    /* The control flags operators set on workflow id: cancel and paused. */
    int (*flags)(durable__store *s, const char *id, int *cancel, int *paused);

    /* Make up to `limit` waiting coroutines whose timer is due ready (their
     * await completes, or a step retry re-issues), claimed by `owner`, and
     * delete those timers; *ids (malloc'd) are the ones now ready. */
    int (*fire_timers)(durable__store *s, const char *owner, int64_t now, int limit, char ***ids, size_t *n);
    /* Claim up to `limit` ready, unpaused workflows not held by a live worker
     * (nor by `owner` itself, unless `mine`). */
    int (*claim)(durable__store *s, const char *owner, int64_t now, int limit, int mine, char ***ids, size_t *n);
    /* Is there anything `owner` could claim now, or a timer due by now? */
    int (*has_work)(durable__store *s, const char *owner, int64_t now, int *yes);
    int (*next_due)(durable__store *s, int64_t *due); /* 0 if no timer */
    int (*count_unfinished)(durable__store *s, int *n);

    /* Worker leases: a heartbeat row per worker. */
    int (*worker_beat)(durable__store *s, const char *owner, int64_t lease_until);
    /* Workers whose lease has not expired: ids (malloc'd). */
    int (*workers)(durable__store *s, int64_t now, char ***ids, size_t *n);
    /* A worker is gone: delete its lease and release what it claimed. */
    int (*worker_drop)(durable__store *s, const char *owner);

    int (*put_signal)(durable__store *s, const char *id, const char *name, const void *data, size_t len);
    /* Pop the oldest queued signal `name` of workflow id; DURABLE_ENOENT if none. */
    int (*take_signal)(durable__store *s, const char *id, const char *name, durable__buf *data);

    /* Load the schema stored under `fingerprint`; DURABLE_ENOENT if none. */
    int (*schema)(durable__store *s, uint64_t fingerprint, durable__schema *out);
    /* Write a row's arguments (an upgrade re-encodes them). */
    int (*set_args)(durable__store *s, const char *id, const durable__buf *args);
    /* Delete finished workflows last updated before before_ms (not children
     * of unfinished parents), with their rows in every table. */
    int (*purge)(durable__store *s, int64_t before_ms, int *count);

    int (*meta_get)(durable__store *s, const char *key, int64_t *value); /* ENOENT if unset */
    int (*meta_set)(durable__store *s, const char *key, int64_t value);

    /* 1 if the last transaction failed with DURABLE_EBUSY because it lost a
     * serialization conflict to another writer (redo it at once: nothing of
     * it committed), 0 if EBUSY meant a lock still held after
     * busy_timeout_ms (SQLite's only kind).  NULL: never a conflict. */
    int (*conflicted)(durable__store *s);
} durable__store_ops;

struct durable__store {
    const durable__store_ops *ops;
};

/* Open the SQLite store at path (see store_sqlite.c for the checks). */
int durable__store_sqlite_open(durable__store **out, const char *path, const durable_options *o);
/* Open the PostgreSQL store at a libpq connection URI (store_pg.c).  In a
 * build without libpq (no DURABLE_HAVE_PG) it refuses: DURABLE_EINVAL. */
int durable__store_pg_open(durable__store **out, const char *uri, const durable_options *o);
/* The SQLite connection of a SQLite store, else NULL. */
void *durable__store_sqlite_handle(durable__store *s);
/* The libpq connection (PGconn *) of a PostgreSQL store, else NULL. */
void *durable__store_pg_handle(durable__store *s);

void durable__ids_free(char **ids, size_t n);

/* store_fault.c: with DURABLE_STORE_FAULTS set (tests), wrap *s in the store
 * that forwards every operation and fails one as the variable says; else
 * leave *s as it is.  durable__store_inner gives the wrapped store (s itself
 * when not wrapped), whose connection durable_sqlite and durable_pg lend. */
int durable__store_fault_wrap(durable__store **s);
durable__store *durable__store_inner(durable__store *s);

/* upgrade.c: take over row r, written by another build of fn, if its await
 * and live locals map onto fn (then r and its rows are rewritten and `why`
 * says what was done); DURABLE_EINCOMPAT with the reason in `why` if not. */
int durable__upgrade(durable__store *s, durable__row *r, const durable_func *fn, char *why, size_t whylen);

#endif

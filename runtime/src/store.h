/*
 * store.h — the storage interface between the scheduler and a database.
 *
 * The scheduler never sees SQL or a connection: it asks a store to open a
 * file, to group writes in a transaction, and to read and write workflow rows,
 * claims, signals and worker leases.  Decisions (what a checkpoint means, who
 * wakes whom) stay in the scheduler; the store only moves rows, so another
 * engine (PostgreSQL) implements the same operations.  store_sqlite.c is the
 * SQLite implementation, store_pg.c the PostgreSQL one.
 *
 * The `durable` tool (runtime/cli) is a client of this layer too: it opens a
 * store for reading only (durable__store_open_read) and calls its read
 * operations (durable__read_ops: a filtered, paged listing, one workflow,
 * history, queued signals, children, schemas, counts), so both stores share
 * one implementation of every encoding and the tool holds no SQL.
 *
 * Every operation returns DURABLE_OK or a negative code; inside a
 * transaction a failed one fails the transaction (the caller rolls it back
 * and writes nothing more in it).  Inside a transaction, a write whose only
 * answer is its success (update, append, worker_beat, put_signal, meta_set,
 * ...; not insert, whose EEXIST the caller acts on) may report its failure,
 * with its own code, at a later call of the same transaction (the next
 * read, savepoint or commit; the writes between return DURABLE_OK): the
 * PostgreSQL store sends such writes without waiting for each (store_pg.c,
 * the pipeline).  Either way the transaction commits nothing of it.  A
 * failed commit's outcome is unknown: it may have committed (its answer
 * lost) or not, and the caller finds out by reading the store back, never
 * by guessing; only DURABLE_EBUSY with `conflicted` 1 says nothing
 * committed.  Blobs and strings
 * handed to a store are copied by it (or used before the call returns); rows
 * it returns hold malloc'd memory that durable__row_clear frees.
 *
 * Transactions.  Between begin and commit the scheduler's reads and writes
 * are one transaction, serializable against every other writer of the same
 * store (SQLite: BEGIN IMMEDIATE takes the file's write lock; PostgreSQL:
 * SERIALIZABLE).  Outside begin/commit each operation is its own
 * transaction.  Any operation may fail; after a failure inside a
 * transaction the scheduler rolls back and nothing of the transaction is
 * assumed.  commit may fail with its outcome unknown (the connection was
 * lost while it ran): the scheduler never guesses, it drops what it holds in
 * memory and reads the store back (a frame's seq tells which checkpoint
 * landed).  A commit that lost a serialization conflict reports EBUSY with
 * `conflicted` true: nothing of it committed, and the round is redone.
 * `changed` may report a change when there was none (a store that cannot
 * tell, or the first call, says yes) but never loses one: each commit of
 * another connection is reported by a later call (SQLite: the next one;
 * PostgreSQL: one after its NOTIFY arrives, a moment after that commit
 * returned), so a scheduler that re-reads on yes sees every write.
 */
#ifndef DURABLE_STORE_H
#define DURABLE_STORE_H

#include "internal.h"

/* ---- How both stores encode a row ----
 *
 * These encodings are the stored format (docs/storage.md): a store writes
 * and reads them through the names below and nothing else, and its SQL
 * names a status or a wait kind only through these macros or a bound
 * parameter.  store_common.c holds the code both stores share.
 *
 * A wait kind is stored as its number: what a coroutine waits for while
 * `waiting`. */
enum { DURABLE__WAIT_NONE = 0, DURABLE__WAIT_TIMER = 1, DURABLE__WAIT_RETRY = 2, DURABLE__WAIT_CHILD = 3,
       DURABLE__WAIT_SIGNAL = 4, DURABLE__WAIT_ALL = 5, DURABLE__WAIT_ANY = 6 };

/* A status is stored as its name (DURABLE_PAUSED is never stored: a paused
 * workflow keeps its status and has the `paused` flag). */
#define DURABLE__ST_READY "ready"
#define DURABLE__ST_WAITING "waiting"
#define DURABLE__ST_DONE "done"
#define DURABLE__ST_FAILED "failed"
#define DURABLE__ST_CANCELLED "cancelled"
#define DURABLE__ST_HELD "held"
/* The same as SQL literals and sets, for the statements that filter on them. */
#define DURABLE__SQL_ST(name) "'" name "'"
/* not finished: a worker may still run it, or an operator release it */
#define DURABLE__SQL_UNFINISHED "('" DURABLE__ST_READY "', '" DURABLE__ST_WAITING "', '" DURABLE__ST_HELD "')"
/* runnable by some worker now or later (what count_unfinished counts) */
#define DURABLE__SQL_LIVE "('" DURABLE__ST_READY "', '" DURABLE__ST_WAITING "')"
#define DURABLE__SQL_FINISHED "('" DURABLE__ST_DONE "', '" DURABLE__ST_FAILED "', '" DURABLE__ST_CANCELLED "')"
/* a finished child that counts as failed for its parent */
#define DURABLE__SQL_UNSUCCESSFUL "('" DURABLE__ST_FAILED "', '" DURABLE__ST_CANCELLED "')"

/* A status as stored, and back (0 for text that is not one). */
const char *durable__status_text(int status);
int durable__status_parse(const char *text);

/* The role of a schema field row: a parameter, a frame field (struct
 * members are rows under their field, `parent` its idx), the result. */
#define DURABLE__ROLE_PARAM "param"
#define DURABLE__ROLE_FIELD "field"
#define DURABLE__ROLE_RESULT "result"

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

/* Writing a schema (put_schema): fn as the rows of the schema tables, each
 * handed to a store's callback in order; the first failure stops the walk
 * and is returned.  Field rows are numbered per role in depth-first order
 * (idx), a struct's members after it with parent = its idx (-1: none). */
typedef struct durable__await_row {
    int id, kind, occurrence, checks_error; /* occurrence: the how-manieth await of this callee */
    uint32_t line;
    const char *callee, *place, *text;
    const durable_field *value; /* NULL: the await has no value */
    const char *saves;          /* "0,2,3": the frame fields live after it */
} durable__await_row;

typedef struct durable__schema_sink {
    int (*field_row)(void *ctx, const char *role, int idx, int parent, const durable_field *f);
    int (*await_row)(void *ctx, const durable__await_row *a);
    void *ctx;
} durable__schema_sink;

int durable__schema_rows(const durable_func *fn, const durable__schema_sink *sink);

/* Reading one back (schema): a store appends each top-level param or field
 * row it reads and each await row, then durable__schema_done checks the
 * whole (descriptors valid, saves in range) and frees it on any failure.
 * The add functions return a zeroed slot, or NULL when out of memory. */
durable_field *durable__schema_add_field(durable__schema *sc, const char *role);
durable__schema_await *durable__schema_add_await(durable__schema *sc);
/* "0,2,3" (NULL or "": none) into a->saves: DURABLE_OK, ECORRUPT, ENOMEM. */
int durable__schema_parse_saves(durable__schema_await *a, const char *text);
int durable__schema_done(durable__schema *sc, int rc);

typedef struct durable__store durable__store;

/* ---- Reading, for the `durable` tool ----
 *
 * The tool inspects a store it did not write and must not change:
 * durable__store_open_read opens one for reading only, and only these
 * operations (with close) may be called on it.  Everything they return is
 * decoded here, in the store layer — statuses as enum durable_status, wait
 * kinds as DURABLE__WAIT_*, a schema's descriptors as durable_field trees —
 * so the tool has one implementation for every store.  Nothing read is
 * trusted: numbers out of range make a schema role invalid (see
 * durable__schema_view), never a crash.  Rows handed to a callback live
 * until it returns.  Each operation returns DURABLE_OK or a negative code;
 * read_error then says what the engine reported. */

/* Which workflows a listing shows: any of `statuses` (bits 1u << status, of
 * enum durable_status, as durable_status() reports it: a paused workflow
 * that has not finished is DURABLE_PAUSED and no other; 0: any status) and
 * of `function` (NULL: any). */
typedef struct durable__filter {
    unsigned statuses;
    const char *function;
} durable__filter;

/* One workflow as a listing shows it. */
typedef struct durable__listed {
    const char *id, *function, *parent; /* parent NULL: top level */
    int spawn_idx;                      /* handle if spawned by its parent, else -1 */
    int status;                         /* as stored: never DURABLE_PAUSED; 0: unknown text */
    int paused;
    int state;                          /* the await its frame is at; -1: no frame (finished) */
    const char *callee;                 /* await `state` in the frame's schema, or NULL */
    int64_t line;
    int64_t created_ms, updated_ms;
} durable__listed;

/* One workflow in full: its row as `get` reads it, and what only the tool
 * shows. */
typedef struct durable__detail {
    durable__row row;
    int has_frame, has_timer; /* a durable_frames / durable_timers row exists */
    int64_t created_ms, updated_ms;
} durable__detail;

/* A line of the history as stored. */
typedef struct durable__history_row {
    const char *workflow;
    const char *function; /* of its workflow; NULL when that row is gone (purged) */
    int64_t checkpoint;
    int await_id, attempt, error_code;
    const char *event, *detail;
    int64_t at_ms;
    int has_fingerprint; /* 0 in rows of a file from before the column */
    uint64_t fingerprint;
} durable__history_row;

/* An await point of a stored schema, as stored. */
typedef struct durable__await_view {
    int id, kind, checks_error;
    const char *callee;     /* "" when not stored */
    int64_t line;
    const char *value_type; /* "" when void */
    int value_kind;
    int64_t value_size;
    const uint32_t *saves;
    int nsaves;             /* -1: the saves text is malformed */
    const char *place, *text; /* NULL: not recorded (a file from before them) */
} durable__await_view;

/* A function's schema as the tool needs it: struct members linked under
 * their field, the result's descriptor, and each role checked with
 * durable__fields_valid (a role that fails, or whose stored numbers are out
 * of range, has *_ok 0 and must not be decoded with). */
typedef struct durable__schema_view {
    uint64_t fingerprint;
    const char *function, *file;
    uint32_t frame_size, args_size;
    durable_field *fields, *params, *result;
    uint32_t nfields, nparams, nresult;
    int fields_ok, params_ok, result_ok;
    durable__await_view *awaits;
    uint32_t nawaits;
    struct durable__view_alloc *allocs; /* everything above: durable__schema_view_free */
} durable__schema_view;

void durable__schema_view_free(durable__schema_view *v);
/* The await `id` of v, or NULL. */
const durable__await_view *durable__schema_view_await(const durable__schema_view *v, int id);

/* Workflow counts by function, stored status and paused flag. */
typedef struct durable__count_row {
    const char *function;
    int status; /* as stored; 0: unknown text */
    int paused;
    int64_t n;
} durable__count_row;

typedef struct durable__read_ops {
    /* Workflows matching f in creation order, from `offset`, at most `limit`
     * (-1: all). */
    int (*list)(durable__store *s, const durable__filter *f, int64_t offset, int64_t limit,
                void (*each)(void *ctx, const durable__listed *w), void *ctx);
    int (*count)(durable__store *s, const durable__filter *f, int64_t *n);
    /* DURABLE_ENOENT if no such workflow; ECORRUPT if its row does not
     * decode.  On success durable__row_clear(&out->row) frees it. */
    int (*workflow)(durable__store *s, const char *id, durable__detail *out);
    /* The workflows whose parent is id, in creation order. */
    int (*children)(durable__store *s, const char *id, void (*each)(void *ctx, const durable__listed *w), void *ctx);
    /* History of workflow id (NULL: of every workflow, by workflow), by
     * checkpoint, from `offset`, at most `limit` (-1: all). */
    int (*history)(durable__store *s, const char *id, int64_t offset, int64_t limit,
                   void (*each)(void *ctx, const durable__history_row *h), void *ctx);
    /* Signals sent to id and not yet received, oldest first. */
    int (*signals)(durable__store *s, const char *id,
                   void (*each)(void *ctx, const char *name, size_t bytes, int64_t sent_ms), void *ctx);
    /* The schema stored under fingerprint; DURABLE_ENOENT if none. */
    int (*schema)(durable__store *s, uint64_t fingerprint, durable__schema_view *out);
    /* The fingerprints of the schemas of `function`, in their order as
     * signed 64-bit numbers. */
    int (*fingerprints)(durable__store *s, const char *function, uint64_t **fps, size_t *n);
    /* Workflow counts by function (in no particular order). */
    int (*counts)(durable__store *s, void (*each)(void *ctx, const durable__count_row *c), void *ctx);
    /* What the engine said about the last failure ("" if nothing). */
    const char *(*error)(durable__store *s);
} durable__read_ops;

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

    /* Make up to `limit` waiting coroutines whose timer is due ready,
     * claimed by `owner`, and delete those timers; *ids (malloc'd) are the
     * ones now ready.  A due DURABLE__WAIT_RETRY re-issues its step (ready
     * stays 0); any other due timer (a sleep, a signal's timeout) completes
     * its await with no value (ready = 1, value and payload NULL); either way
     * wait_kind becomes DURABLE__WAIT_NONE.  A paused workflow's timer waits;
     * a held one's fires but it stays held and is not returned. */
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

    /* Reading, for the `durable` tool (see durable__read_ops above): the
     * only operations, with close, of a store durable__store_open_read made. */
    const durable__read_ops *read;
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

/* Open `where` (a libpq URI, as durable_open tells them, or an SQLite path)
 * for reading only, never writing or creating anything: an SQLite file is
 * opened read-only, immutable when no -wal is beside it (nothing at all is
 * created next to it), after the checks store_sqlite.c makes of a file
 * (ours, not newer, the byte order ours, the tables ours); a PostgreSQL
 * database in a session with default_transaction_read_only, and only when
 * it has our schema.  `name` receives `where` as messages show it (a URI
 * without its password); on failure `why` says why, without the name
 * ("cannot open: No such file or directory", "not a durable database",
 * ...), and *out is NULL. */
int durable__store_open_read(durable__store **out, const char *where, char *name, size_t namelen, char *why,
                             size_t whylen);
/* The two stores' own (store_sqlite.c, store_pg.c). */
int durable__store_sqlite_open_read(durable__store **out, const char *path, char *why, size_t whylen);
int durable__store_pg_open_read(durable__store **out, const char *uri, char *name, size_t namelen, char *why,
                                size_t whylen);

/* store_read.c: store-neutral parts of the read operations. */
/* One stored row of a schema's descriptors, numbers as stored. */
typedef struct durable__field_row {
    int64_t idx, parent; /* parent -1: top level */
    int64_t kind, offset, size, count, line;
    const char *name, *type;
} durable__field_row;
/* Zeroed memory / a copy of t ("" for NULL) owned by v. */
void *durable__schema_view_alloc(durable__schema_view *v, size_t n);
const char *durable__schema_view_strdup(durable__schema_view *v, const char *t);
/* Set a role ("field", "param", "result") of v from its stored rows, in idx
 * order: members linked under their struct, then checked.  Call after
 * frame_size and args_size are set (and `sizes_bad` when they were out of
 * range).  DURABLE_OK, or ENOMEM. */
int durable__schema_view_role(durable__schema_view *v, const char *role, const durable__field_row *rows, size_t n,
                              int sizes_bad);
/* Add an await (copies every string; saves as stored text, NULL for none). */
int durable__schema_view_add_await(durable__schema_view *v, const durable__await_view *a, const char *saves);
/* The WHERE clause of filter f over workflows `w` joined with frames `f`
 * (" WHERE ..." or ""), into sql, with its text parameters in order into
 * params (at most 9): numbered from `first`, as ?N ('?') or $N ('$'). */
void durable__filter_sql(const durable__filter *f, char style, int first, char *sql, size_t cap,
                         const char **params, int *nparams);

/* upgrade.c: take over row r, written by another build of fn, if its await
 * and live locals map onto fn (then r and its rows are rewritten and `why`
 * says what was done); DURABLE_EINCOMPAT with the reason in `why` if not. */
int durable__upgrade(durable__store *s, durable__row *r, const durable_func *fn, char *why, size_t whylen);

#endif

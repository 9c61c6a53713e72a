/*
 * store.h — the storage interface between the scheduler and a database.
 *
 * The scheduler never sees SQL or a connection: it asks a store to open a
 * file, to group writes in a transaction, and to read and write workflow rows.
 * store_sqlite.c implements it on SQLite; a PostgreSQL store implements the
 * same operations.  Every operation returns DURABLE_OK or a negative code.
 * Blobs handed to a store are copied by it; blobs it returns are malloc'd and
 * belong to the caller (durable__row_clear frees them).
 */
#ifndef DURABLE_STORE_H
#define DURABLE_STORE_H

#include "internal.h"

/* One workflow as stored: its row in durable_workflows joined with its
 * frame (durable_frames) and its timer (durable_timers). */
typedef struct durable__row {
    char *id;
    char *function;
    char *parent;         /* NULL for a top-level workflow */
    int status;           /* enum durable_status */
    uint64_t fingerprint; /* of the function's schema when the frame was written */
    int state;            /* the await the coroutine is at (0: not started) */
    int ready;            /* that await completed; its value is in `value` */
    int await_error;      /* the error of that await (when ready) */
    int attempt;          /* failed attempts of the current step */
    uint64_t seq;         /* checkpoints written so far */
    uint64_t await_seq;   /* seq when the current await was first issued */
    int64_t wake_ms;      /* timer due (ms since epoch), or 0 for none */
    int error_code;       /* of a failed or held workflow */
    char *error;
    durable__buf args, frame, value, result;
} durable__row;

void durable__row_clear(durable__row *r);

/* A line of the append-only history. */
typedef struct durable__event {
    const char *workflow;
    uint64_t seq;       /* the checkpoint this event belongs to */
    int await_id;
    const char *what;   /* "start", "step", "retry", "call", "sleep", "return", "fail", ... */
    int attempt;
    int error_code;
    const char *detail; /* child id, error message, ... or NULL */
} durable__event;

/* What a checkpoint writes: which parts of the row change. */
enum {
    DURABLE__W_STATUS = 1, /* status, error_code, error */
    DURABLE__W_FRAME = 2,  /* fingerprint, state, ready, await_error, attempt, seq, await_seq, frame, value */
    DURABLE__W_TIMER = 4,  /* wake_ms: a timer row is set (wake_ms > 0) or deleted */
    DURABLE__W_RESULT = 8, /* result; the frame and timer rows are deleted */
};

typedef struct durable__store durable__store;

typedef struct durable__store_ops {
    void (*close)(durable__store *s);
    int (*begin)(durable__store *s);
    int (*commit)(durable__store *s);
    void (*rollback)(durable__store *s);
    /* Record a function's schema (idempotent). */
    int (*put_schema)(durable__store *s, const durable_func *fn);
    /* Insert a new workflow with its frame row; DURABLE_EEXIST if the id exists. */
    int (*insert)(durable__store *s, const durable__row *r);
    /* Write the parts of r named by `what`. */
    int (*update)(durable__store *s, const durable__row *r, int what);
    /* A child finished: make its parent's await ready with `value` (and error),
     * and the parent ready if it was waiting. */
    int (*wake_parent)(durable__store *s, const char *parent, int await_error, const durable__buf *value);
    int (*append)(durable__store *s, const durable__event *e);
    /* Read one workflow; DURABLE_ENOENT if none.  On failure *out is empty. */
    int (*get)(durable__store *s, const char *id, durable__row *out);
    /* Call cb for each workflow not finished (ready, waiting, held).  The row
     * is the callback's to keep (it must clear it).  A non-zero return stops. */
    int (*scan)(durable__store *s, int (*cb)(void *ctx, durable__row *r), void *ctx);
} durable__store_ops;

struct durable__store {
    const durable__store_ops *ops;
};

/* Open the SQLite store at path (see store_sqlite.c for the checks). */
int durable__store_sqlite_open(durable__store **out, const char *path, const durable_options *o);

#endif

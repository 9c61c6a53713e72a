/*
 * store_fault.c — the fault-injecting store wrapper, for tests.  With
 * DURABLE_STORE_FAULTS set when durable_open runs, the store it opened (a
 * SQLite file or a PostgreSQL database) is wrapped: every operation is
 * forwarded to it, and one of them fails as the variable says:
 *
 *   fail:N       the Nth store call returns DURABLE_EIO without running
 *   busy:N       the Nth store call returns DURABLE_EBUSY without running (a
 *                lock not granted: not a conflict, nothing is redone)
 *   conflict:N   the first call from the Nth on that is inside a transaction
 *                returns DURABLE_EBUSY and `conflicted` says 1: the
 *                transaction lost a serialization conflict (its rows are
 *                rolled back by the caller, who redoes it)
 *   lost:N       the connection is lost at the Nth store call.  PostgreSQL:
 *                the connection's socket is shut down, so the server ends the
 *                session (aborting its transaction) and the call itself meets
 *                the dead connection and fails as the store makes it fail;
 *                the store's reconnect runs at a later call.  SQLite, whose
 *                connection is in the process and cannot be lost: the open
 *                transaction is rolled back under the caller and the call
 *                returns DURABLE_EIO, as SQLite does itself on some I/O
 *                errors (SQLITE_IOERR, SQLITE_FULL roll the transaction back)
 *   committed:N  the Nth commit commits, and returns DURABLE_EIO: its answer
 *                was lost (PostgreSQL: the connection dies right after it)
 *   aborted:N    the Nth commit does not commit, and returns DURABLE_EIO
 *                (PostgreSQL: the connection dies just before COMMIT is sent)
 *   count        nothing fails; at exit the process prints to stderr
 *                "durable store calls: C commits: K", the positions a sweep
 *                can use
 *
 * Calls are counted from 1 across every store the process opens, all
 * operations but close, rollback and conflicted (which cannot fail); a
 * commit counts as a call and as a commit.  A fault fires once per process;
 * it prints "durable: DURABLE_STORE_FAULTS: ..." to stderr when it does.
 * Unset or empty, durable_open wraps nothing and this costs one getenv.
 */
#include "store.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

enum { K_NONE, K_COUNT, K_FAIL, K_BUSY, K_CONFLICT, K_LOST, K_COMMITTED, K_ABORTED };

static const char *const kind_names[] = {"", "count", "fail", "busy", "conflict", "lost", "committed", "aborted"};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int parsed, kind = K_NONE, fired;
static unsigned long at, calls, commits;

typedef struct fault_store {
    durable__store base;
    durable__store *in;
    int in_tx;    /* between a begin that worked and commit or rollback */
    int conflict; /* this transaction was failed as a lost conflict */
} fault_store;

static const durable__store_ops fault_ops;

static void print_counts(void)
{
    fprintf(stderr, "durable store calls: %lu commits: %lu\n", calls, commits);
}

static void parse(void)
{
    parsed = 1;
    const char *v = getenv("DURABLE_STORE_FAULTS");
    if (!v || !*v)
        return;
    if (strcmp(v, "count") == 0) {
        kind = K_COUNT;
        atexit(print_counts);
        return;
    }
    char what[16] = {0};
    unsigned long n = 0;
    char end = 0;
    if (sscanf(v, "%15[a-z]:%lu%c", what, &n, &end) == 2 && n > 0)
        for (int k = K_FAIL; k <= K_ABORTED; k++)
            if (strcmp(what, kind_names[k]) == 0) {
                kind = k;
                at = n;
                return;
            }
    fprintf(stderr,
            "durable: ignoring malformed DURABLE_STORE_FAULTS=%s (want count, or fail, busy, conflict, lost, "
            "committed or aborted, then :N)\n",
            v);
}

/* The connection of a PostgreSQL store dies: its socket is shut down, so
 * libpq's next exchange fails (CONNECTION_BAD) and the server, reading end
 * of file, ends the session and aborts its transaction. */
static void kill_connection(durable__store *in)
{
    void *conn = durable__store_pg_handle(in);
    if (!conn)
        return;
    void *h = dlopen("libpq.so.5", RTLD_NOW | RTLD_NOLOAD); /* loaded by the store */
    void *sym = h ? dlsym(h, "PQsocket") : NULL;
    if (sym) {
        int (*pq_socket)(const void *);
        memcpy(&pq_socket, &sym, sizeof sym);
        int fd = pq_socket(conn);
        if (fd >= 0)
            shutdown(fd, SHUT_RDWR);
    }
    if (h)
        dlclose(h);
}

/* What the current call meets (K_NONE: nothing), counting it. */
static int next_fault(fault_store *s, int is_commit, const char *op)
{
    pthread_mutex_lock(&lock);
    calls++;
    if (is_commit)
        commits++;
    int k = K_NONE;
    if (!fired) {
        switch (kind) {
        case K_FAIL:
        case K_BUSY:
        case K_LOST:
            if (calls == at)
                k = kind;
            break;
        case K_CONFLICT:
            if (calls >= at && s->in_tx)
                k = kind;
            break;
        case K_COMMITTED:
        case K_ABORTED:
            if (is_commit && commits == at)
                k = kind;
            break;
        default:
            break;
        }
    }
    if (k != K_NONE) {
        fired = 1;
        fprintf(stderr, "durable: DURABLE_STORE_FAULTS: %s at call %lu (%s, commit %lu)\n", kind_names[k], calls,
                op, commits);
    }
    pthread_mutex_unlock(&lock);
    return k;
}

/* The fault of an ordinary call: the code it returns without running, or
 * DURABLE_OK to run it (after a PostgreSQL connection was killed: the call
 * then fails as the store makes it fail). */
static int inject(fault_store *s, const char *op)
{
    switch (next_fault(s, 0, op)) {
    case K_FAIL:
        return DURABLE_EIO;
    case K_BUSY:
        return DURABLE_EBUSY;
    case K_CONFLICT:
        s->conflict = 1;
        return DURABLE_EBUSY;
    case K_LOST:
        if (durable__store_pg_handle(s->in)) {
            kill_connection(s->in);
            return DURABLE_OK;
        }
        s->in->ops->rollback(s->in); /* SQLite: the transaction is gone */
        return DURABLE_EIO;
    default:
        return DURABLE_OK;
    }
}

#define IN(b) (((fault_store *)(b))->in)

static void f_close(durable__store *b)
{
    IN(b)->ops->close(IN(b));
    free(b);
}

static int f_begin(durable__store *b)
{
    fault_store *s = (fault_store *)b;
    s->conflict = 0;
    int rc = inject(s, "begin");
    if (rc == DURABLE_OK)
        rc = s->in->ops->begin(s->in);
    s->in_tx = rc == DURABLE_OK;
    return rc;
}

static int f_commit(durable__store *b)
{
    fault_store *s = (fault_store *)b;
    int k = next_fault(s, 1, "commit");
    int rc;
    switch (k) {
    case K_FAIL:
    case K_BUSY:
        return k == K_FAIL ? DURABLE_EIO : DURABLE_EBUSY; /* the transaction stays open: the caller rolls back */
    case K_CONFLICT:
        s->conflict = 1;
        return DURABLE_EBUSY;
    case K_LOST:
    case K_ABORTED:
        if (durable__store_pg_handle(s->in)) {
            kill_connection(s->in); /* COMMIT never reaches the server */
            rc = s->in->ops->commit(s->in);
        } else {
            s->in->ops->rollback(s->in);
            rc = DURABLE_EIO;
        }
        s->in_tx = 0;
        return rc != DURABLE_OK ? rc : DURABLE_EIO;
    case K_COMMITTED:
        rc = s->in->ops->commit(s->in);
        s->in_tx = 0;
        if (rc != DURABLE_OK)
            return rc;
        kill_connection(s->in); /* the answer is lost with the connection */
        return DURABLE_EIO;
    default:
        rc = s->in->ops->commit(s->in);
        if (rc == DURABLE_OK)
            s->in_tx = 0;
        return rc;
    }
}

static void f_rollback(durable__store *b)
{
    fault_store *s = (fault_store *)b;
    s->in_tx = 0;
    s->in->ops->rollback(s->in);
}

static int f_changed(durable__store *b, int *yes)
{
    int rc = inject((fault_store *)b, "changed");
    if (rc != DURABLE_OK) {
        *yes = 1; /* unknown: look at the store */
        return rc;
    }
    return IN(b)->ops->changed(IN(b), yes);
}

/* An operation with no output to clear on an injected failure. */
#define PLAIN(name, params, args)                                 \
    static int f_##name params                                    \
    {                                                             \
        int rc = inject((fault_store *)b, #name);                 \
        return rc != DURABLE_OK ? rc : IN(b)->ops->name args;     \
    }

/* An operation whose outputs are emptied (`clear`) on an injected failure,
 * as the stores leave them on theirs. */
#define CLEARS(name, params, args, clear)                         \
    static int f_##name params                                    \
    {                                                             \
        int rc = inject((fault_store *)b, #name);                 \
        if (rc != DURABLE_OK) {                                   \
            clear;                                                \
            return rc;                                            \
        }                                                         \
        return IN(b)->ops->name args;                             \
    }

#define NO_IDS (*ids = NULL, *n = 0)

PLAIN(put_schema, (durable__store * b, const durable_func *fn), (IN(b), fn))
PLAIN(insert, (durable__store * b, const durable__row *r), (IN(b), r))
PLAIN(update, (durable__store * b, durable__row *r, int what), (IN(b), r, what))
PLAIN(append, (durable__store * b, const durable__event *e), (IN(b), e))
CLEARS(get, (durable__store * b, const char *id, durable__row *out), (IN(b), id, out), memset(out, 0, sizeof *out))
CLEARS(list, (durable__store * b, int status, const char *name, char ***ids, size_t *n),
       (IN(b), status, name, ids, n), NO_IDS)
CLEARS(family, (durable__store * b, const char *id, char ***ids, size_t *n), (IN(b), id, ids, n), NO_IDS)
CLEARS(spawns, (durable__store * b, const char *parent, durable__spawns *out), (IN(b), parent, out),
       (memset(out, 0, sizeof *out), out->finished_uncollected = -1))
CLEARS(get_spawned, (durable__store * b, const char *parent, int h, durable__row *out), (IN(b), parent, h, out),
       memset(out, 0, sizeof *out))
PLAIN(savepoint, (durable__store * b, int op), (IN(b), op))
PLAIN(flags, (durable__store * b, const char *id, int *cancel, int *paused), (IN(b), id, cancel, paused))
CLEARS(fire_timers, (durable__store * b, const char *owner, int64_t now, int limit, char ***ids, size_t *n),
       (IN(b), owner, now, limit, ids, n), NO_IDS)
CLEARS(claim, (durable__store * b, const char *owner, int64_t now, int limit, int mine, char ***ids, size_t *n),
       (IN(b), owner, now, limit, mine, ids, n), NO_IDS)
CLEARS(has_work, (durable__store * b, const char *owner, int64_t now, int *yes), (IN(b), owner, now, yes),
       *yes = 0)
CLEARS(next_due, (durable__store * b, int64_t *due), (IN(b), due), *due = 0)
CLEARS(count_unfinished, (durable__store * b, int *n), (IN(b), n), *n = 0)
PLAIN(worker_beat, (durable__store * b, const char *owner, int64_t lease_until), (IN(b), owner, lease_until))
CLEARS(workers, (durable__store * b, int64_t now, char ***ids, size_t *n), (IN(b), now, ids, n), NO_IDS)
PLAIN(worker_drop, (durable__store * b, const char *owner), (IN(b), owner))
PLAIN(put_signal, (durable__store * b, const char *id, const char *name, const void *data, size_t len),
      (IN(b), id, name, data, len))
CLEARS(take_signal, (durable__store * b, const char *id, const char *name, durable__buf *data),
       (IN(b), id, name, data), memset(data, 0, sizeof *data))
CLEARS(schema, (durable__store * b, uint64_t fingerprint, durable__schema *out), (IN(b), fingerprint, out),
       memset(out, 0, sizeof *out))
PLAIN(set_args, (durable__store * b, const char *id, const durable__buf *args), (IN(b), id, args))
CLEARS(purge, (durable__store * b, int64_t before_ms, int *count), (IN(b), before_ms, count), *count = 0)
PLAIN(meta_get, (durable__store * b, const char *key, int64_t *value), (IN(b), key, value))
PLAIN(meta_set, (durable__store * b, const char *key, int64_t value), (IN(b), key, value))

static int f_conflicted(durable__store *b)
{
    fault_store *s = (fault_store *)b;
    if (s->conflict)
        return 1;
    return s->in->ops->conflicted ? s->in->ops->conflicted(s->in) : 0;
}

static const durable__store_ops fault_ops = {
    .close = f_close,
    .begin = f_begin,
    .commit = f_commit,
    .rollback = f_rollback,
    .changed = f_changed,
    .put_schema = f_put_schema,
    .insert = f_insert,
    .update = f_update,
    .append = f_append,
    .get = f_get,
    .list = f_list,
    .family = f_family,
    .spawns = f_spawns,
    .get_spawned = f_get_spawned,
    .savepoint = f_savepoint,
    .flags = f_flags,
    .fire_timers = f_fire_timers,
    .claim = f_claim,
    .has_work = f_has_work,
    .next_due = f_next_due,
    .count_unfinished = f_count_unfinished,
    .worker_beat = f_worker_beat,
    .workers = f_workers,
    .worker_drop = f_worker_drop,
    .put_signal = f_put_signal,
    .take_signal = f_take_signal,
    .schema = f_schema,
    .set_args = f_set_args,
    .purge = f_purge,
    .meta_get = f_meta_get,
    .meta_set = f_meta_set,
    .conflicted = f_conflicted,
};

int durable__store_fault_wrap(durable__store **s)
{
    pthread_mutex_lock(&lock);
    if (!parsed)
        parse();
    int on = kind != K_NONE;
    pthread_mutex_unlock(&lock);
    if (!on)
        return DURABLE_OK;
    fault_store *f = durable__calloc(1, sizeof *f);
    if (!f)
        return DURABLE_ENOMEM;
    f->base.ops = &fault_ops;
    f->in = *s;
    *s = &f->base;
    return DURABLE_OK;
}

durable__store *durable__store_inner(durable__store *s)
{
    return s && s->ops == &fault_ops ? ((fault_store *)s)->in : s;
}
